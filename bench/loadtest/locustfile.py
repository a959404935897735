"""The simulated staff of a centre, for locust (``python -m bench.loadtest`` runs it).

Two kinds of user, logged in with the demo accounts (or those of the file named
by ``LOADTEST_ACCOUNTS``):

- desk staff (``desk``, ``desk2``; 2 in 5 users) search enterprises by part of a
  name, by pinyin initials and by credit code, open one, register a ticket for
  it and dispatch it to a station, close the tickets the stations answered, and
  read their queues, the dashboard and the statistics;
- station officers (``jy.officer1`` …; 3 in 5) read their queues, sign for the
  tickets dispatched to their station, answer them, and look up enterprises.

Tickets registered here go round the whole loop without two users ever acting
on the same ticket: the hand-offs (dispatched → signed and answered → closed)
go through queues shared by the users of this process. Every request is named
after its page, so that the figures are per page, not per URL.
"""
import collections
import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

PASSWORD = "anqi-demo-2026"   # core.demo.data.DEMO_PASSWORD (not imported: no app code in the load generator)
STATIONS = {  # core.demo.data.STATIONS: account prefix → station name
    "jy": "暨阳派出所", "hd": "浣东派出所", "tz": "陶朱派出所", "dk": "店口派出所",
    "dt": "大唐派出所", "fq": "枫桥派出所", "sxh": "山下湖派出所",
}
NAME_FRAGMENTS = ["华达", "鑫瑞", "宏盛", "永信", "泰隆", "恒丰", "嘉和", "天明", "纺织", "珍珠", "机械", "汽配"]
INITIALS = ["zjhd", "hdkj", "zjxr", "zjs", "hsfz", "sxjm", "xrjx", "zjkj", "yxzz", "tlgy"]
CODE_PREFIXES = ["91330681", "913306813", "913306815", "N2330681", "913306817"]
DESCRIPTIONS = [
    "企业反映园区道路夜间照明不足，货车进出存在安全隐患，希望协调。",
    "企业反映有外地人员冒用公司名义签订合同，请求核查。",
    "企业员工出入境证件办理咨询，希望提供上门服务。",
    "企业反映周边存在阻工、强揽工程情况，请求依法处理。",
    "企业咨询防范电信网络诈骗的培训安排。",
]


def _accounts() -> dict:
    """{"desk": [[username, password], …], "officer": [[username, password, station name], …]}"""
    path = os.environ.get("LOADTEST_ACCOUNTS")
    if path:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return {"desk": [["desk", PASSWORD], ["desk2", PASSWORD]],
            "officer": [[f"{code}.officer{i}", PASSWORD, name] for i in (1, 2, 3) for code, name in STATIONS.items()]}


ACCOUNTS = _accounts()
_next = collections.Counter()


def _take(role: str) -> list:
    """The next account of a role, round robin: officers spread over the stations first."""
    accounts = ACCOUNTS[role]
    account = accounts[_next[role] % len(accounts)]
    _next[role] += 1
    return account


# Hand-offs between the simulated users (all greenlets of one process: no lock needed).
to_sign = collections.defaultdict(collections.deque)   # station name → ticket ids dispatched there
to_close = collections.deque()                          # ticket ids answered, for the desk
stations_staffed = {}                                   # station name → number of officer users
credit_codes = collections.deque(maxlen=200)            # seen in search results, searched again later

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ERROR_MESSAGE = re.compile(r'data-testid="error-message">([^<]*)<|class="flash flash-error"[^>]*>\s*([^<]*)<')
ENTERPRISE_LINK = re.compile(r'href="/enterprises/(\d+)"')
TICKET_LINK = re.compile(r'href="/tickets/(\d+)"')
CREDIT_CODE = re.compile(r'<td class="mono">([0-9A-Z]{18})</td>')
OPTION = re.compile(r'<option value="(\d+)">[\s\u3000]*([^<]+)</option>')


def _message(text: str) -> str:
    found = ERROR_MESSAGE.search(text or "")
    if not found:
        return ""
    return (found.group(1) or found.group(2) or "").strip()[:200]


class Staff(HttpUser):
    abstract = True
    wait_time = between(2, 6)

    def on_start(self):
        self.csrf = None
        self.log_in()

    def log_in(self):
        page = self.client.get("/login", name="login page")
        self.csrf = self._csrf(page.text)
        with self.client.post("/login", data={"csrf_token": self.csrf, "username": self.username,
                                              "password": self.password},
                              name="login", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login as {self.username}: HTTP {response.status_code} "
                                 f"{_message(response.text)}")

    @staticmethod
    def _csrf(text):
        found = CSRF.search(text or "")
        return found.group(1) if found else None

    def page(self, url, name, **kwargs):
        """GET a page; remember its form token."""
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code == 200:
                self.csrf = self._csrf(response.text) or self.csrf
                if 'name="username"' in response.text and 'name="password"' in response.text:
                    response.failure("the session ended: the login page came back")
            elif response.status_code >= 400:
                response.failure(f"HTTP {response.status_code} {_message(response.text)}")
            return response

    def act(self, ticket_id, action, fields, name):
        """POST a ticket action the way its form does; success is the redirect back to the ticket."""
        data = {f"{action}-{k}": v for k, v in fields.items()}
        data[f"{action}-csrf_token"] = self.csrf
        with self.client.post(f"/tickets/{ticket_id}/{action}", data=data, name=name, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code} {_message(response.text)}")
                return False
        self.page(f"/tickets/{ticket_id}", "ticket page")
        return True

    # --- shared reading tasks ---

    def search(self):
        kind = random.choices(["name", "pinyin", "code"], weights=[3, 2, 1])[0]
        if kind == "name":
            q = random.choice(NAME_FRAGMENTS)
        elif kind == "pinyin":
            q = random.choice(INITIALS)
        else:
            q = random.choice(credit_codes) if credit_codes and random.random() < 0.5 else random.choice(CODE_PREFIXES)
        response = self.page("/enterprises/", f"enterprise search ({kind})", params={"q": q})
        text = response.text if response.status_code == 200 else ""
        credit_codes.extend(CREDIT_CODE.findall(text)[:3])
        return ENTERPRISE_LINK.findall(text)

    @task(4)
    def find_enterprise(self):
        found = self.search()
        if found:
            self.page(f"/enterprises/{random.choice(found)}", "enterprise page")

    @task(2)
    def dashboard(self):
        self.page("/", "dashboard")


class DeskStaff(Staff):
    weight = 2

    def on_start(self):
        self.username, self.password = _take("desk")[:2]
        super().on_start()

    @task(3)
    def register_and_dispatch(self):
        found = self.search()
        if not found:
            return
        enterprise = random.choice(found)
        form = self.page("/tickets/new", "ticket intake form", params={"enterprise": enterprise})
        if form.status_code != 200:
            return
        key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', form.text)
        data = {"csrf_token": self.csrf, "enterprise_id": enterprise, "submission_key": key.group(1) if key else "",
                "contact_name": "王伟", "contact_phone": "13800138000", "channel": random.choice(
                    ["hotline", "walk_in", "online", "visit"]), "category": random.choice(
                    ["service", "safety", "dispute", "consultation"]), "ticket_class": "general",
                "handling_mode": "follow", "description": random.choice(DESCRIPTIONS)}
        with self.client.post("/tickets/new", data=data, name="ticket register", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code} {_message(response.text)}")
                return
            ticket_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        ticket = self.page(f"/tickets/{ticket_id}", "ticket page")
        staffed = [name for name, n in stations_staffed.items() if n]
        units = {name.strip(): unit_id for unit_id, name in OPTION.findall(ticket.text) if name.strip() in staffed}
        if not units:
            return
        station = random.choice(sorted(units))
        if self.act(ticket_id, "dispatch", {"unit_id": units[station], "officer_id": "", "note": ""},
                    "ticket dispatch"):
            to_sign[station].append(ticket_id)

    @task(3)
    def close_answered(self):
        if not to_close:
            return self.queue()
        ticket_id = to_close.popleft()
        self.page(f"/tickets/{ticket_id}", "ticket page")
        self.act(ticket_id, "close", {"note": ""}, "ticket close")

    @task(3)
    def queue(self):
        queue = random.choice(["to_dispatch", "answered", "overdue", "all", "handling"])
        response = self.page("/tickets/", f"queue ({queue})", params={"queue": queue})
        tickets = TICKET_LINK.findall(response.text) if response.status_code == 200 else []
        if tickets and random.random() < 0.5:
            self.page(f"/tickets/{random.choice(tickets)}", "ticket page")

    @task(1)
    def statistics(self):
        self.page("/tickets/stats", "statistics")


class StationOfficer(Staff):
    weight = 3

    def on_start(self):
        self.username, self.password, self.station = _take("officer")
        stations_staffed[self.station] = stations_staffed.get(self.station, 0) + 1
        self.signed = collections.deque()
        super().on_start()

    def on_stop(self):
        stations_staffed[self.station] -= 1

    @task(4)
    def sign_for(self):
        waiting = to_sign[self.station]
        if not waiting:
            return self.queue()
        ticket_id = waiting.popleft()
        self.page("/tickets/", "queue (to_sign)", params={"queue": "to_sign"})
        self.page(f"/tickets/{ticket_id}", "ticket page")
        if self.act(ticket_id, "sign", {}, "ticket sign"):
            self.signed.append(ticket_id)

    @task(3)
    def answer(self):
        if not self.signed:
            return self.queue()
        ticket_id = self.signed.popleft()
        self.page("/tickets/", "queue (handling)", params={"queue": "handling"})
        self.page(f"/tickets/{ticket_id}", "ticket page")
        if self.act(ticket_id, "answer", {"reply": "已联系企业核实情况并处理，企业表示认可。",
                                          "result": random.choice(["resolved", "resolved", "partly"])},
                    "ticket answer"):
            to_close.append(ticket_id)

    @task(3)
    def queue(self):
        queue = random.choice(["to_sign", "handling", "overdue", "due_soon"])
        response = self.page("/tickets/", f"queue ({queue})", params={"queue": queue})
        tickets = TICKET_LINK.findall(response.text) if response.status_code == 200 else []
        if tickets and random.random() < 0.5:
            self.page(f"/tickets/{random.choice(tickets)}", "ticket page")


requests_made = []   # [page name, start (epoch s), response time ms, failed]: for figures over several pages


@events.request.add_listener
def _record(name, response_time, exception=None, start_time=None, **_kwargs):
    start = start_time if start_time is not None else time.time() - response_time / 1000
    requests_made.append([name, round(start, 3), round(response_time, 1), exception is not None])


@events.quitting.add_listener
def _hand_offs_left(environment, **_kwargs):
    """How far the loop got, and every request's time: written beside the stats for the report."""
    path = os.environ.get("LOADTEST_LOOP_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"waiting_to_sign": sum(len(q) for q in to_sign.values()), "waiting_to_close": len(to_close),
                       "at": time.time()}, f)
    path = os.environ.get("LOADTEST_REQUESTS_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(requests_made, f)
