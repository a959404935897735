"""Start-up checks of the machine: fonts and HarfBuzz subsetting for PDF rendering."""
import ctypes.util
import shutil
import subprocess


def cjk_font_available() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


def harfbuzz_subset_available() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


def warnings() -> list[str]:
    found = []
    if not cjk_font_available():
        found.append("No Chinese (CJK) font is installed: PDF letters would show empty boxes. "
                     "Install fonts-noto-cjk (apt-get install fonts-noto-cjk).")
    if not harfbuzz_subset_available():
        found.append("HarfBuzz subsetting (libharfbuzz-subset0) is missing: PDF rendering with Chinese "
                     "fonts will be about 40 times slower. Install libharfbuzz-subset0.")
    return found
