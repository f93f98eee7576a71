"""Dictated feedback in real Chromium, against the real app whose endpoint is
the local OpenAI-compatible server (tests/faults/openai_server.py) with a
transcription model.

Chromium launched with ``--use-fake-device-for-media-stream`` and
``--use-fake-ui-for-media-stream`` has a fake microphone (a beep) that it may
use without asking: the page records it, posts the recording over HTTP, and
the server's transcript lands in the feedback box and, on rejecting, in the
model's prompt. Where the browser cannot record, the page falls back to the
browser's own speech recognition, or hides the microphone.

Against the production build and the dev server (there the backend is on
another origin than the page, so the upload is a cross-origin request).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import book_id_of, create_book, poll, wait_status
from tests.faults.openai_server import TRANSCRIPT, Fault
from tests.faults.threaded import CountingModel
from tests.support.devserver import AppServer, Mode

pytestmark = pytest.mark.browser

MODEL = "whisper-1"
FAKE_MICROPHONE = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
_FOREIGN_ENV = ("REDIS_URL", "REFLEX_REDIS_URL", "BOOKGEN_MODEL", "BOOKGEN_MODELS")
EBML = b"\x1a\x45\xdf\xa3"  # how a WebM file begins
NO_RECORDER = "delete window.MediaRecorder;"
NO_RECOGNITION = (
    "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"
)


@dataclass
class DictationApp:
    app: AppServer
    model: CountingModel


@pytest.fixture(scope="module", params=[Mode.PROD, Mode.DEV], ids=["prod", "dev"])
def dictation_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DictationApp]:
    tmp = tmp_path_factory.mktemp("dictation")
    with CountingModel(delay=0) as model:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
            "BOOKGEN_AUTH": "off",  # one author: the subject is dictation
            "OPENAI_BASE_URL": model.server.base_url,
            "OPENAI_API_KEY": "sk-test",
            "BOOKGEN_TRANSCRIBE_MODEL": MODEL,
        }
        server = AppServer(env=env, log=tmp / "app.log", mode=request.param)
        with pytest.MonkeyPatch.context() as mp:
            for name in _FOREIGN_ENV:
                mp.delenv(name, raising=False)
            server.start()
        try:
            yield DictationApp(server, model)
        finally:
            server.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


def _launch(pw: Playwright, *extra_args: str) -> Browser:
    return pw.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args]
    )


@pytest.fixture(scope="module")
def with_microphone(playwright: Playwright) -> Iterator[Browser]:
    browser = _launch(playwright, *FAKE_MICROPHONE)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def without_microphone(playwright: Playwright) -> Iterator[Browser]:
    """No fake device: Chromium finds no microphone."""
    browser = _launch(playwright)
    yield browser
    browser.close()


def open_outline(browser: Browser, app: AppServer, *init_scripts: str) -> Page:
    """A new tab on a new book whose outline awaits approval."""
    context = browser.new_context(base_url=app.url)
    context.set_default_timeout(30_000)
    for script in init_scripts:
        context.add_init_script(script)
    page = context.new_page()
    create_book(
        page,
        title=f"Spoken {uuid.uuid4().hex[:6]}",
        premise="A keeper dictates her log.",
        chapters=1,
        words_per_chapter=200,
    )
    wait_status(page, "awaiting_approval", timeout=60)
    expect(page.locator("#feedback")).to_be_visible()
    return page


def test_a_recording_is_transcribed_by_the_server_into_the_feedback(
    dictation_app: DictationApp, with_microphone: Browser
) -> None:
    app, fake = dictation_app.app, dictation_app.model.server
    fake.recordings.clear()
    page = open_outline(with_microphone, app)
    book = book_id_of(page)
    sent_on_socket: list[int] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framesent", lambda data: sent_on_socket.append(len(data))),
    )
    page.reload()  # the page's socket opens again, now observed
    wait_status(page, "awaiting_approval", timeout=60)
    page.fill("#feedback", "Shorter chapters.")
    mic = page.locator("#voice-input")
    expect(mic).to_have_attribute("data-mode", "record")

    mic.click()
    expect(mic).to_have_attribute("data-state", "recording")
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(mic).to_contain_text("0:01")  # a second of the fake microphone
    with page.expect_request("**/transcribe") as posted:
        mic.click()

    expect(page.locator("#feedback")).to_have_value(f"Shorter chapters. {TRANSCRIPT}")
    expect(mic).to_have_attribute("data-state", "idle")
    upload = posted.value
    assert upload.method == "POST"
    assert upload.url.endswith(f"/api/books/{book}/transcribe")
    assert upload.headers["content-type"].startswith("audio/webm")
    [heard] = fake.recordings
    assert (heard.model, heard.filename) == (MODEL, "speech.webm")
    assert heard.data.startswith(EBML) and len(heard.data) > 1000
    # The audio went over HTTP only: no socket message was nearly that big.
    assert sent_on_socket and max(sent_on_socket) < len(heard.data)

    # Rejecting sends the dictated words to the model like typed ones.
    page.click("#reject-outline")
    poll(
        lambda: any(TRANSCRIPT in call.prompt for call in fake.calls),
        timeout=60,
        what="a prompt with the dictated words",
    )


def test_a_failed_transcription_is_shown_and_the_feedback_kept(
    dictation_app: DictationApp, with_microphone: Browser
) -> None:
    fake = dictation_app.model.server
    page = open_outline(with_microphone, dictation_app.app)
    page.fill("#feedback", "Keep this.")
    fake.fail("transcription", Fault("status", status=503), every=True)
    try:
        mic = page.locator("#voice-input")
        mic.click()
        expect(mic).to_contain_text("0:01")
        mic.click()
        expect(page.locator("#voice-input-error")).to_have_text(
            "The transcription service is unavailable; try again."
        )
    finally:
        fake.heal()
    expect(mic).to_have_attribute("data-state", "idle")
    expect(page.locator("#feedback")).to_have_value("Keep this.")
    # The next try works, and the message goes.
    mic.click()
    expect(mic).to_contain_text("0:01")
    mic.click()
    expect(page.locator("#feedback")).to_have_value(f"Keep this. {TRANSCRIPT}")
    expect(page.locator("#voice-input-error")).to_have_count(0)


def test_without_a_recorder_the_browser_recognises_or_the_microphone_hides(
    dictation_app: DictationApp, with_microphone: Browser
) -> None:
    app = dictation_app.app
    recognises = open_outline(with_microphone, app, NO_RECORDER)
    expect(recognises.locator("#voice-input")).to_have_attribute(
        "data-mode", "recognise"
    )
    neither = open_outline(with_microphone, app, NO_RECORDER, NO_RECOGNITION)
    expect(neither.locator("#approve-outline")).to_be_visible()
    expect(neither.locator("#voice-input")).to_have_count(0)


def test_without_a_microphone_the_button_goes_for_the_session(
    dictation_app: DictationApp, without_microphone: Browser
) -> None:
    page = open_outline(without_microphone, dictation_app.app)
    mic = page.locator("#voice-input")
    expect(mic).to_have_attribute("data-mode", "record")
    mic.click()
    expect(mic).to_have_count(0)
    page.reload()
    wait_status(page, "awaiting_approval", timeout=60)
    expect(page.locator("#approve-outline")).to_be_visible()
    expect(mic).to_have_count(0)
