/* The portal's voice message: record with the browser's MediaRecorder and add
   the recording to the form's file field, so it is sent and checked like any
   attachment. Nothing is loaded from elsewhere; without a microphone (or
   without MediaRecorder) the recorder stays hidden. */
(function () {
  "use strict";
  var TYPES = [["audio/webm;codecs=opus", "weba"], ["audio/webm", "weba"], ["audio/ogg;codecs=opus", "ogg"],
               ["audio/mp4", "m4a"]];

  function pick() {
    for (var i = 0; i < TYPES.length; i++) {
      if (window.MediaRecorder.isTypeSupported && window.MediaRecorder.isTypeSupported(TYPES[i][0])) { return TYPES[i]; }
    }
    return null;
  }

  function setUp(box) {
    var input = document.getElementById(box.getAttribute("data-target"));
    var record = box.querySelector("[data-record]");
    var stop = box.querySelector("[data-stop]");
    var status = box.querySelector("[data-recorder-status]");
    var playback = box.querySelector("[data-playback]");
    var type = pick();
    if (!input || !type || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.DataTransfer) { return; }
    box.hidden = false;
    var recorder = null, chunks = [];

    record.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        recorder = new MediaRecorder(stream, { mimeType: type[0] });
        recorder.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) { chunks.push(e.data); } });
        recorder.addEventListener("stop", function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var blob = new Blob(chunks, { type: type[0].split(";")[0] });
          var stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
          var file = new File([blob], "voice-" + stamp + "." + type[1], { type: blob.type });
          var files = new DataTransfer();
          for (var i = 0; i < input.files.length; i++) { files.items.add(input.files[i]); }
          files.items.add(file);
          input.files = files.files;
          playback.src = URL.createObjectURL(blob);
          playback.hidden = false;
          status.textContent = status.getAttribute("data-done-text");
          record.hidden = false; stop.hidden = true;
        });
        recorder.start();
        status.textContent = status.getAttribute("data-recording-text");
        record.hidden = true; stop.hidden = false;
      }, function () {
        status.textContent = status.getAttribute("data-denied-text");
      });
    });
    stop.addEventListener("click", function () { if (recorder && recorder.state !== "inactive") { recorder.stop(); } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.MediaRecorder) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-recorder]"), setUp);
  });
})();
