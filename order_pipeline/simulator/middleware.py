"""The simulator's "gateway": infrastructure faults wrapped around the platform routes, never `/_sim/`.

What a load balancer in front of a marketplace API does on a bad day: answer 5xx with an HTML error page,
hold a request past the client's read timeout, or drop the connection mid-body (here: a 200 whose JSON is cut
half-way, with a Content-Length that matches the cut body, so the client sees a complete but broken payload).
A plain ASGI middleware, not Starlette's BaseHTTPMiddleware, to keep the per-request cost negligible.
"""

from __future__ import annotations

import asyncio

from order_pipeline.simulator.context import ServerContext

_PAGES = {
    500: b"<html><head><title>500 Internal Server Error</title></head><body><h1>500 Internal Server Error</h1></body></html>",
    502: b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    b"<hr><center>Tengine</center></body></html>",
    503: b"<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
    b"<h1>503 Service Temporarily Unavailable</h1></center></body></html>",
}


class GatewayFaults:
    def __init__(self, app, ctx: ServerContext, control_prefix: str = "/_sim"):  # noqa: ANN001 - ASGI app
        self.app, self.ctx, self.control_prefix = app, ctx, control_prefix

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI signature
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(self.control_prefix):
            await self.app(scope, receive, send)
            return
        self.ctx.count_request(path.split("/", 2)[1] if path.count("/") >= 1 else "")
        decision = self.ctx.faults.request()
        if decision is None:
            await self.app(scope, receive, send)
        elif decision[0] == "5xx":
            status = int(decision[1])
            body = _PAGES[status]
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"text/html"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        elif decision[0] == "slow":
            await self._slow(scope, receive, send, float(decision[1]))
        else:
            await self._truncated(scope, receive, send, decision[1])

    async def _slow(self, scope, receive, send, seconds: float) -> None:  # noqa: ANN001
        """Hold the request, but give up as soon as the client hangs up (its read timeout fired): a sleeping
        task per abandoned request would otherwise pile up and stall shutdown."""
        messages = [await receive()]
        while messages[-1]["type"] == "http.request" and messages[-1].get("more_body"):
            messages.append(await receive())
        if messages[-1]["type"] == "http.disconnect":
            return
        try:
            message = await asyncio.wait_for(receive(), timeout=seconds)
            if message["type"] == "http.disconnect":
                return
        except TimeoutError:
            pass

        async def replay() -> dict:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _truncated(self, scope, receive, send, keep: float) -> None:  # noqa: ANN001
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if start.get("status") == 200 and len(body) > 1:
            body = body[: max(1, int(len(body) * keep))]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start.get("status", 500), "headers": headers})
        await send({"type": "http.response.body", "body": body})
