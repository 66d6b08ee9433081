"""The review page's web app (Starlette): the page, its JSON API, and the run's media.

>>> serve("out/demo")                        # prints the URL with its token; Ctrl+C stops

Routes (all behind :class:`localize.review.guard.Guard`)::

    GET  /                                       the page (static/index.html)
    GET  /api/episodes                           episodes and their markets
    GET  /api/review/{episode}/{market}          cues with their edits and flags, video, profile
    POST /api/review/{episode}/{market}/check    flags of unsaved changes (nothing written)
    PUT  /api/review/{episode}/{market}/edits    save changes (409 when based on an older revision)
    POST /api/review/{episode}/{market}/rerender start a re-render; GET /api/jobs/{id} polls it
    GET  /media/{episode}/{market}/video         the market's video (range requests)
    GET  /media/{episode}/{market}/track.vtt     the current target text as WebVTT
    GET  /media/{episode}/{market}/dub/{id}.wav  one cue's line cut from dub.wav
"""

from __future__ import annotations

import errno
import io
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from localize.errors import InputError, LocalizeError
from localize.review.catalog import DUB, Catalog, Market, NotFound
from localize.review.changes import apply_changes
from localize.review.checks import Checker
from localize.review.edits import (
    CueEdit,
    EditConflict,
    EditLayer,
    edits_path,
    load_edits,
    refresh_suspect_flags,
    save_edits,
)
from localize.review.guard import Guard, new_token
from localize.review.jobs import Jobs

STATIC = Path(__file__).parent / "static"
MAX_BODY = 4 << 20
NO_STORE = {"cache-control": "no-store"}
LOCALHOST = "127.0.0.1"


Renderer = Callable[[Path, str, str, Callable[[str], None]], Any]  # out_dir, episode, market, log


class Review:
    """The app's state: the output folder, the default selection and the re-render jobs."""

    def __init__(self, catalog: Catalog, render: Renderer, default: tuple[str, str] | None = None) -> None:
        self.catalog, self.render, self.default, self.jobs = catalog, render, default, Jobs()
        self._cache: dict[tuple[str, str], tuple[Any, EditLayer, Checker]] = {}

    def market(self, request: Request) -> Market:
        return self.catalog.market(request.path_params["episode"], request.path_params["market"])

    def loaded(self, market: Market) -> tuple[EditLayer, Checker]:
        """The market's edit layer and checker, read again only when its edits.json or manifest changed.

        The layer returned is shared: callers change a copy (:func:`apply_changes` makes one).
        """
        stamp = tuple(
            _stamp(p) for p in (edits_path(market.episode_dir, market.code), market.episode_dir / "manifest.json")
        )
        cached = self._cache.get((market.episode, market.code))
        if cached is None or cached[0] != stamp:
            cached = stamp, load_edits(market.episode_dir, market.code), Checker.for_market(market)
            self._cache[(market.episode, market.code)] = cached
        return cached[1], cached[2]

    def view(self, market: Market, layer: EditLayer | None = None) -> dict[str, Any]:
        """Everything the page shows for one market: cues with edits, flags and dub lines; video; profile."""
        saved, checker = self.loaded(market)
        layer = layer or saved
        checks, dub = checker.review(layer), market.dub_lines()
        video = market.video()
        base = f"/media/{_quote(market.episode)}/{_quote(market.code)}"
        return {
            "episode": market.episode,
            "market": market.code,
            "language": layer.language,
            "source_language": layer.source_language,
            "revision": layer.revision,
            "profile": {
                "name": checker.profile.name,
                "line_limit": checker.profile.line_limit,
                "max_lines": checker.profile.max_lines,
                "cps": checker.profile.cps,
            },
            "fps": [market.fps.numerator, market.fps.denominator],
            "shots": market.shots,
            "video": {"kind": video[0], "url": f"{base}/video"} if video else None,
            "track": f"{base}/track.vtt",
            "dub": f"{base}/dub/" if market.has(DUB) else None,
            "notes": checker.notes,
            "cues": [_cue(edit, checks[edit.id], dub.get(edit.id)) for edit in layer.cues],
        }


def _cue(edit: CueEdit, checks: dict[str, Any], dub: dict[str, Any] | None) -> dict[str, Any]:
    start, end = edit.times
    return {
        "id": edit.id,
        "start": start,
        "end": end,
        "machine_start": edit.start,
        "machine_end": edit.end,
        "source": edit.source,
        "machine": edit.machine,
        "text": edit.current,
        "speaker": edit.new_speaker or edit.speaker,
        "machine_speaker": edit.speaker,
        "status": edit.status,
        "edited": edit.edited,
        "updated": edit.updated,
        "by": edit.by,
        "dub": dub,
        **checks,
    }


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


async def _json_body(request: Request) -> dict[str, Any]:
    stated = request.headers.get("content-length", "0")
    if not stated.isdigit() or int(stated) > MAX_BODY:
        raise InputError(f"request body over {MAX_BODY >> 20} MiB")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InputError(f"request body over {MAX_BODY >> 20} MiB")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise InputError("send JSON (Content-Type: application/json)")
    try:
        data = json.loads(body)
    except ValueError:
        raise InputError("request body is not JSON") from None
    if not isinstance(data, dict):
        raise InputError("request body must be a JSON object")
    return data


def _state(request: Request) -> Review:
    return request.app.state.review


async def episodes(request: Request) -> Response:
    review = _state(request)
    listing = await run_in_threadpool(review.catalog.listing)
    default = review.default or (listing[0]["episode"], listing[0]["markets"][0])
    return JSONResponse(
        {"episodes": listing, "default": {"episode": default[0], "market": default[1]}}, headers=NO_STORE
    )


async def market_view(request: Request) -> Response:
    review = _state(request)
    return JSONResponse(await run_in_threadpool(lambda: review.view(review.market(request))), headers=NO_STORE)


async def check_changes(request: Request) -> Response:
    """Flags, budget and reading speed of every cue with the page's unsaved changes applied."""
    review, data = _state(request), await _json_body(request)

    def run() -> dict[str, Any]:
        saved, checker = review.loaded(review.market(request))
        layer = apply_changes(saved, data.get("edits", []))
        refresh_suspect_flags(layer)
        return {"cues": checker.review(layer)}

    return JSONResponse(await run_in_threadpool(run), headers=NO_STORE)


async def save(request: Request) -> Response:
    """Save the page's changes onto the revision they were made on; 409 when the layer moved on since."""
    review, data = _state(request), await _json_body(request)
    revision = data.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise InputError("'revision' (the revision the changes were made on) is required")

    def run() -> dict[str, Any]:
        market = review.market(request)
        layer = apply_changes(load_edits(market.episode_dir, market.code), data.get("edits", []))  # as on disk
        return review.view(market, save_edits(layer, market.episode_dir, expected_revision=revision))

    return JSONResponse(await run_in_threadpool(run), headers=NO_STORE)


async def start_rerender(request: Request) -> Response:
    review = _state(request)
    market = await run_in_threadpool(review.market, request)
    job = review.jobs.start(
        f"{market.episode}/{market.code}",
        lambda log: review.render(review.catalog.out_dir, market.episode, market.code, log),
    )
    return JSONResponse(job.to_dict(), status_code=202, headers=NO_STORE)


async def job_status(request: Request) -> Response:
    return JSONResponse(_state(request).jobs.get(request.path_params["job"]).to_dict(), headers=NO_STORE)


async def video(request: Request) -> Response:
    market = await run_in_threadpool(_state(request).market, request)
    found = await run_in_threadpool(market.video)
    if found is None:
        raise NotFound(f"{market.episode}/{market.code}: no video to show")
    return FileResponse(found[1], media_type="video/mp4")


async def text_track(request: Request) -> Response:
    """The current target text (saved edits applied) as WebVTT, for the video's text track."""

    def run() -> str:
        from localize.formats import dumps
        from localize.review.render import reviewed_track

        market = _state(request).market(request)
        return dumps(reviewed_track(market.episode_dir, market.code), "vtt")

    return Response(await run_in_threadpool(run), media_type="text/vtt; charset=utf-8", headers=NO_STORE)


async def dub_line(request: Request) -> Response:
    """The cue's dub line, cut from ``dub.wav`` (where the dub report placed it, else the cue's span)."""
    cue_id = request.path_params["cue"]

    def run() -> bytes:
        import soundfile

        review = _state(request)
        market = review.market(request)
        line = market.dub_lines().get(cue_id)
        if line is None:
            edit = review.loaded(market)[0].cue(cue_id)
            line = {"start": edit.start, "end": edit.end}
        with soundfile.SoundFile(market.file(DUB)) as wav:
            wav.seek(min(wav.frames, line["start"] * wav.samplerate // 1000))
            samples = wav.read(max(0, (line["end"] - line["start"]) * wav.samplerate // 1000), dtype="int16")
            out = io.BytesIO()
            soundfile.write(out, samples, wav.samplerate, format="WAV", subtype="PCM_16")
        return out.getvalue()

    return Response(await run_in_threadpool(run), media_type="audio/wav")


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=NO_STORE)


def _error(status: int) -> Callable[[Request, Exception], Any]:
    async def handler(request: Request, error: Exception) -> Response:
        return JSONResponse({"error": " ".join(str(error).split())}, status_code=status, headers=NO_STORE)

    return handler


def create_app(
    catalog: Catalog, token: str, port: int, render: Renderer, default: tuple[str, str] | None = None
) -> Guard:
    """The review app for a catalog of runs, behind the token gate (``port`` names the token's cookie);
    ``render`` re-makes an episode's outputs after a review (:func:`localize.pipeline.rerender`)."""
    review = Review(catalog, render, default)
    where = "{episode}/{market}"
    routes = [
        Route("/", index),
        Route("/api/episodes", episodes),
        Route(f"/api/review/{where}", market_view),
        Route(f"/api/review/{where}/check", check_changes, methods=["POST"]),
        Route(f"/api/review/{where}/edits", save, methods=["PUT"]),
        Route(f"/api/review/{where}/rerender", start_rerender, methods=["POST"]),
        Route("/api/jobs/{job}", job_status),
        Route(f"/media/{where}/video", video),
        Route(f"/media/{where}/track.vtt", text_track),
        Route(f"/media/{where}/dub/{{cue}}.wav", dub_line),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    handlers: dict[Any, Any] = {
        NotFound: _error(404),
        EditConflict: _error(409),
        InputError: _error(400),
        LocalizeError: _error(500),
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.review = review
    return Guard(app, token, f"localize_review_{port}")


def selection(catalog: Catalog, episode: str | None, market: str | None) -> tuple[str, str]:
    """The episode and market to open first: as given, else the first that fits (:class:`NotFound` otherwise)."""
    listing = {e["episode"]: e["markets"] for e in catalog.listing()}
    if episode is not None and episode not in listing:
        raise NotFound(f"no finished episode {episode!r} in {catalog.out_dir} (episodes: {', '.join(listing)})")
    candidates = [episode] if episode is not None else list(listing)
    found = next((name for name in candidates if market is None or market in listing[name]), None)
    if found is None:
        markets = ", ".join(sorted({m for name in candidates for m in listing[name]}))
        where = f"episode {episode!r} has no market" if episode is not None else "no episode has market"
        raise NotFound(f"{where} {market!r} (markets: {markets})")
    return found, market or listing[found][0]


def open_socket(host: str, port: int) -> socket.socket:
    """A listening socket bound to ``host``:``port`` (0: a free port); :class:`InputError` when taken."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        taken = f"port {port} on {host} is in use; give another with --port, or none for a free one"
        raise InputError(
            taken if error.errno == errno.EADDRINUSE else f"cannot listen on {host}:{port} ({error.strerror or error})"
        ) from None
    sock.listen(128)  # connections made as soon as the URL is out wait for the server
    return sock


def serve(
    out_dir: str | Path,
    render: Renderer,
    episode: str | None = None,
    market: str | None = None,
    port: int = 0,
    host: str = LOCALHOST,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the review page for ``out_dir`` until stopped; ``announce`` gets the URL with the access token.

    ``render(out_dir, episode, market, log)`` re-makes an episode's outputs from its edits: the
    command line passes :func:`localize.pipeline.rerender` (the pipeline sits above this package).
    """
    import uvicorn

    catalog = Catalog(out_dir)
    default = selection(catalog, episode, market)
    sock = open_socket(host, port)
    port = sock.getsockname()[1]
    token = new_token()
    app = create_app(catalog, token, port, render, default)
    shown = f"[{host}]" if ":" in host else host
    announce(f"http://{shown}:{port}/?token={token}")
    # no access log: the page's URL carries the token
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
