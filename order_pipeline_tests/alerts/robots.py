"""A real HTTP server on loopback that plays DingTalk, WeCom, Feishu, Slack and a generic webhook receiver.

It is a second, independent reading of each service's documentation: it verifies signatures with its own
hmac/hashlib/base64 code (never the channels' signing functions), answers in each service's reply format, and
counts the messages it accepted. `script()` queues canned replies (HTTP 500, a rate-limit errcode, 429 with
Retry-After) that are served before a request is looked at, to drive the retry tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, Any, dict[str, str]]  # status, body (dict -> JSON, str -> text), extra headers
KINDS = ("dingtalk", "wecom", "feishu", "slack", "webhook")


@dataclass
class Robot:
    kind: str
    token: str
    secret: str | None = None
    requests: int = 0
    accepted: list[Any] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)  # query and headers of every request
    scripted: deque[Reply] = field(default_factory=deque)


class FakeRobots:
    def __init__(self) -> None:
        self.robots: dict[str, Robot] = {}
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        self.robots = {
            "dingtalk": Robot("dingtalk", "dt-access-token-0a1b2c3d", "SECdingtalk-secret-9f8e7d"),
            "wecom": Robot("wecom", "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"),
            "feishu": Robot("feishu", "f1e2d3c4-hook-id-5b6a", "feishu-secret-3c2b1a"),
            "slack": Robot("slack", "T00000000/B00000000/XXXXslacktokenXXXX"),
            "webhook": Robot("webhook", "", "whsec-local-7777"),
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, kind: str) -> str:
        token = self.robots[kind].token
        return {
            "dingtalk": f"{self.base}/dingtalk/robot/send?access_token={token}",
            "wecom": f"{self.base}/wecom/cgi-bin/webhook/send?key={token}",
            "feishu": f"{self.base}/feishu/open-apis/bot/v2/hook/{token}",
            "slack": f"{self.base}/slack/services/{token}",
            "webhook": f"{self.base}/webhook/alerts",
        }[kind]

    def script(self, kind: str, *replies: Reply) -> None:
        self.robots[kind].scripted.extend(replies)

    # --- each service's own checks, written from its documentation -------------------------------------

    def dingtalk(self, robot: Robot, query: dict[str, list[str]], body: Any) -> Reply:
        if query.get("access_token") != [robot.token]:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}, {}
        if robot.secret:
            ts = (query.get("timestamp") or [""])[0]
            expected = base64.b64encode(hmac.new(robot.secret.encode(), f"{ts}\n{robot.secret}".encode(),
                                                 hashlib.sha256).digest()).decode()
            fresh = ts.isdigit() and abs(time.time() * 1000 - int(ts)) < 3_600_000
            if not fresh or not hmac.compare_digest((query.get("sign") or [""])[0], expected):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}, {}
        md = body.get("markdown") or {}
        if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}, {}
        return self._accept(robot, body, (200, {"errcode": 0, "errmsg": "ok"}, {}))

    def wecom(self, robot: Robot, query: dict[str, list[str]], body: Any) -> Reply:
        if query.get("key") != [robot.token]:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, {}
        content = (body.get("markdown") or {}).get("content") or ""
        if body.get("msgtype") != "markdown" or not content or len(content.encode()) > 4096:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, {}
        return self._accept(robot, body, (200, {"errcode": 0, "errmsg": "ok"}, {}))

    def feishu(self, robot: Robot, body: Any) -> Reply:
        if robot.secret:
            ts = str(body.get("timestamp", ""))
            key = f"{ts}\n{robot.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = ts.isdigit() and abs(time.time() - int(ts)) < 3600
            if not fresh or not hmac.compare_digest(str(body.get("sign", "")), expected):
                return 200, {"code": 19021, "data": {}, "msg": "sign match fail or timestamp is not within "
                                                               "one hour from current time"}, {}
        if body.get("msg_type") not in ("text", "post", "interactive") or not (body.get("content") or
                                                                                body.get("card")):
            return 200, {"code": 9499, "data": {}, "msg": "Bad Request"}, {}
        return self._accept(robot, body, (200, {"code": 0, "data": {}, "msg": "success"}, {}))

    def slack(self, robot: Robot, body: Any) -> Reply:
        if not isinstance(body, dict):
            return 400, "invalid_payload", {}
        if not body.get("text") and not body.get("blocks"):
            return 400, "no_text", {}
        return self._accept(robot, body, (200, "ok", {}))

    def webhook(self, robot: Robot, headers: dict[str, str], raw: bytes) -> Reply:
        if robot.secret:
            ts = headers.get("x-orderpipeline-timestamp", "")
            mac = hmac.new(robot.secret.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
            fresh = ts.isdigit() and abs(time.time() - int(ts)) <= 300
            given = headers.get("x-orderpipeline-signature", "")
            if not fresh or not hmac.compare_digest(given.encode(), f"sha256={mac}".encode()):
                return 401, {"error": "bad signature"}, {}
        return self._accept(robot, json.loads(raw), (200, {"received": True}, {}))

    @staticmethod
    def _accept(robot: Robot, body: Any, reply: Reply) -> Reply:
        robot.accepted.append(body)
        return reply


def _handler(fake: FakeRobots) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            kind = parts.path.split("/")[1]
            robot = fake.robots.get(kind)
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if robot is None:
                return self._send((404, "no such robot", {}))
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = parse_qs(parts.query)
            robot.requests += 1
            robot.seen.append({"query": query, "raw_query": parts.query, "headers": headers, "path": parts.path})
            if robot.scripted:
                return self._send(robot.scripted.popleft())
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if kind == "slack":
                if not parts.path.endswith(robot.token):
                    return self._send((404, "no_service", {}))
                return self._send(fake.slack(robot, body))
            if kind == "webhook":
                return self._send(fake.webhook(robot, headers, raw))
            if not isinstance(body, dict):
                return self._send((400, "bad json", {}))
            if kind == "feishu":
                if not parts.path.endswith(robot.token):
                    return self._send((200, {"code": 19001, "msg": "param invalid: incoming webhook access "
                                                                   "token invalid"}, {}))
                return self._send(fake.feishu(robot, body))
            return self._send(getattr(fake, kind)(robot, query, body))

        def _send(self, reply: Reply) -> None:
            status, body, extra = reply
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            kind = "text/plain" if isinstance(body, str) else "application/json"
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
