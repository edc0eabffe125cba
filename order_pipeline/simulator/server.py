"""The platform simulator as a real HTTP server on loopback.

`build_app` assembles the Starlette app: the `/_sim/` control API, each platform's handlers mounted under its
prefix (`/taobao`, `/jd`, `/douyin`, `/shopee`, and the stock systems `/wms`, `/pool`) and the gateway-fault
middleware around the platform routes.
`RunningSimulator` runs it in a background thread for tests and the embedded demo (a context manager with a
free port, so parallel test runs never collide); `serve` runs it in the foreground for the CLI. Platform
handlers are imported lazily and each one is optional, so the core works (and is tested) on its own.
"""

from __future__ import annotations

import importlib
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from order_pipeline.inventory.systems import STOCK_SYSTEM_PLATFORMS
from order_pipeline.shops import PLATFORMS
from order_pipeline.simulator.config import WorldConfig, config_from_args, sim_shops_from_config
from order_pipeline.simulator.context import ServerContext
from order_pipeline.simulator.control import control_routes
from order_pipeline.simulator.faults import Faults
from order_pipeline.simulator.middleware import GatewayFaults
from order_pipeline.simulator.ratelimit import RateLimiter
from order_pipeline.simulator.world import SimWorld

__all__ = [
    "RunningSimulator",
    "WorldConfig",
    "build_app",
    "config_from_args",
    "serve",
    "sim_shops_from_config",
]
log = logging.getLogger(__name__)
RouteFactory = Callable[[ServerContext], list[BaseRoute]]
_PACKAGE = "order_pipeline.simulator.platforms"
SERVED = (*PLATFORMS, *STOCK_SYSTEM_PLATFORMS)  # every prefix a handler module may serve: marketplaces, stock systems


def _missing(exc: ModuleNotFoundError, module: str) -> bool:
    """True if the import failed because `module` itself does not exist (not because of a bug inside it)."""
    return exc.name is not None and (exc.name == module or module.startswith(exc.name + "."))


def load_platform_routes() -> dict[str, RouteFactory]:
    """`platforms.PLATFORM_ROUTES` if it imports; else whichever platform modules exist."""
    try:
        return dict(importlib.import_module(_PACKAGE).PLATFORM_ROUTES)
    except AttributeError:
        pass
    except ModuleNotFoundError as exc:
        if not exc.name or not exc.name.startswith(_PACKAGE):
            raise
    found: dict[str, RouteFactory] = {}
    for name in SERVED:
        module = f"{_PACKAGE}.{name}"
        try:
            found[name] = importlib.import_module(module).routes
        except ModuleNotFoundError as exc:
            if not _missing(exc, module):
                raise
    return found


def build_app(
    world: SimWorld,
    faults: Faults | None = None,
    *,
    limiter: RateLimiter | None = None,
    platforms: dict[str, RouteFactory] | None = None,
    extra_mounts: dict[str, RouteFactory] | None = None,
    allow_remote_control: bool = False,
) -> Starlette:
    """The simulator app. `platforms` defaults to the handler modules that exist; `extra_mounts` adds more
    prefixes (tests mount a dummy platform). The ServerContext is at `app.state.ctx`."""
    faults = faults or Faults(world.config.seed)
    ctx = ServerContext(world, faults, limiter or RateLimiter(), seed=world.config.seed)
    mounts = {**(load_platform_routes() if platforms is None else platforms), **(extra_mounts or {})}
    routes: list[BaseRoute] = [Mount(f"/{name}", routes=factory(ctx)) for name, factory in mounts.items()]
    routes += control_routes(ctx, allow_remote=allow_remote_control)
    app = Starlette(routes=routes, middleware=[Middleware(GatewayFaults, ctx=ctx)])
    app.state.ctx = ctx
    app.state.platforms = sorted(mounts)
    return app


def _uvicorn_config(app: Starlette, **kwargs: object) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=2,
        **kwargs,
    )


class RunningSimulator:
    """The simulator in a background thread: `with RunningSimulator(WorldConfig(seed=1)) as sim: sim.url`."""

    def __init__(
        self,
        config: WorldConfig | None = None,
        *,
        world: SimWorld | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: str | dict = "none",
        platforms: dict[str, RouteFactory] | None = None,
        extra_mounts: dict[str, RouteFactory] | None = None,
        allow_remote_control: bool = False,
    ):
        self.world = world or SimWorld(config or WorldConfig())
        self.faults = Faults(self.world.config.seed, faults)
        self.limiter = RateLimiter()
        self.app = build_app(
            self.world,
            self.faults,
            limiter=self.limiter,
            platforms=platforms,
            extra_mounts=extra_mounts,
            allow_remote_control=allow_remote_control,
        )
        self.ctx: ServerContext = self.app.state.ctx
        self.host, self.port = host, port
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def clock(self):  # noqa: ANN201 - FrozenClock | OffsetClock
        return self.world.clock

    def set_faults(self, profile: str | dict) -> None:
        self.faults.set(profile)

    def set_rate_limit(
        self, requests_per_second: float | None, burst: float | None = None, platform: str | None = None
    ) -> None:
        self.limiter.configure(requests_per_second, burst, platform)

    def stats(self) -> dict:
        """What `GET /_sim/stats` answers: requests and calls per platform, faults injected, rate-limited."""
        return self.ctx.stats()

    def start(self) -> RunningSimulator:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self._socket, self.port = sock, sock.getsockname()[1]
        self.url = f"http://{self.host}:{self.port}"
        self._server = uvicorn.Server(_uvicorn_config(self.app))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"sim-{self.port}"
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the simulator did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> RunningSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    config: WorldConfig | None = None,
    *,
    faults: str | dict = "none",
    allow_remote_control: bool = False,
) -> None:
    """Run the simulator in the foreground until interrupted (the CLI's `simulator serve`)."""
    started = time.monotonic()
    world = SimWorld(config or WorldConfig())
    app = build_app(world, Faults(world.config.seed, faults), allow_remote_control=allow_remote_control)
    total = sum(c["orders"] for c in world.counts().values())
    print(
        f"platform simulator: {total} orders generated in {time.monotonic() - started:.1f}s; "
        f"platforms {app.state.platforms or 'none yet'}; now {world.now().isoformat()}; "
        f"listening on http://{host}:{port}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.Server(_uvicorn_config(app, host=host, port=port)).run()
