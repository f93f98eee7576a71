// Dictation for the feedback box. Two ways, chosen once the page knows:
// - the server has an audio API (audioApi) and the browser can record
//   (MediaRecorder + getUserMedia): press to record, press again to stop; the
//   recording is POSTed over HTTP to `url` (bookgen/api_dictation.py) and the
//   words that come back are added to the feedback;
// - otherwise the browser's own speech recognition, where it has one.
// Renders nothing where neither works. Audio never goes over the websocket:
// only the words are handed to the page (onText), which sends them as
// ordinary feedback text.
import { useEffect, useRef, useState } from "react";
import { getBackendURL } from "$/utils/state";

// Errors that mean dictation cannot work in this browser (no speech service,
// as in Chromium builds without Google's keys; microphone refused or absent):
// the button then hides for the rest of the session instead of failing again.
const FATAL = new Set(["network", "not-allowed", "service-not-allowed", "audio-capture"]);
const NO_MICROPHONE = new Set(["NotAllowedError", "NotFoundError", "SecurityError"]);
const BROKEN_KEY = "bookgen-voice-unavailable";
// A recording stops by itself after this long (the server takes up to 4 MB).
const MAX_RECORDING_MS = 3 * 60 * 1000;
// Speech needs little: about 240 KB a minute.
const BITS_PER_SECOND = 32000;
// Containers the server accepts, in the order we would rather record them.
const RECORDING_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

function broken() {
  try {
    return Boolean(window.sessionStorage.getItem(BROKEN_KEY));
  } catch (e) {
    return false; // storage blocked: ask the browser again each time
  }
}

function markBroken(reason) {
  try {
    window.sessionStorage.setItem(BROKEN_KEY, reason);
  } catch (e) {
    // storage blocked: hiding for this page is enough
  }
}

function recognitionClass() {
  if (typeof window === "undefined" || broken()) return null;
  return window.SpeechRecognition || window.webkitSpeechRecognition || null;
}

function canRecord() {
  return (
    typeof window !== "undefined" &&
    !broken() &&
    typeof window.MediaRecorder === "function" &&
    Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)
  );
}

function recordingType() {
  const supported = window.MediaRecorder.isTypeSupported;
  return RECORDING_TYPES.find((type) => supported && supported(type)) || "";
}

function withWords(before, heard) {
  const sep = before && !/\s$/.test(before) ? " " : "";
  return (before || "") + sep + heard;
}

function clock(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function VoiceInput({ value, onText, audioApi, url, id, className }) {
  // "record" (server transcribes), "recognise" (the browser does), or null.
  const [mode, setMode] = useState(null);
  // idle, starting, recording, transcribing, listening.
  const [phase, setPhase] = useState("idle");
  const [error, setError] = useState("");
  const [elapsed, setElapsed] = useState(0);
  const recognition = useRef(null);
  const recorder = useRef(null);
  const mounted = useRef(false);
  const latest = useRef({ value, onText, url });
  latest.current = { value, onText, url };

  useEffect(() => {
    if (audioApi && canRecord()) setMode("record");
    else setMode(recognitionClass() !== null ? "recognise" : null);
  }, [audioApi]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      if (recognition.current) recognition.current.abort();
      if (recorder.current && recorder.current.state !== "inactive") recorder.current.stop();
    };
  }, []);

  // The clock of a running recording, which also stops it at the limit.
  useEffect(() => {
    if (phase !== "recording") return undefined;
    const started = Date.now();
    setElapsed(0);
    const tick = setInterval(() => {
      const ms = Date.now() - started;
      setElapsed(ms);
      const r = recorder.current;
      if (ms >= MAX_RECORDING_MS && r && r.state !== "inactive") r.stop();
    }, 250);
    return () => clearInterval(tick);
  }, [phase]);

  if (!mode) return null;

  const addWords = (heard) => {
    const { value: before, onText: send } = latest.current;
    if (send) send(withWords(before, heard));
  };

  const hide = (reason) => {
    markBroken(reason);
    setMode(null);
  };

  const upload = async (blob) => {
    setPhase("transcribing");
    try {
      const target = new URL(latest.current.url, getBackendURL()).toString();
      const res = await fetch(target, {
        method: "POST",
        body: blob,
        headers: { "Content-Type": blob.type || "audio/webm" },
        credentials: "include", // the session cookie, on the dev server too
        cache: "no-store",
      });
      let body = null;
      try {
        body = await res.json();
      } catch (e) {
        body = null;
      }
      if (!mounted.current) return;
      if (res.ok && body && typeof body.text === "string") {
        if (body.text) addWords(body.text);
        else setError("No words were heard; try again.");
      } else {
        setError((body && body.error) || `Transcription failed (HTTP ${res.status}).`);
      }
    } catch (e) {
      if (mounted.current) setError("The recording could not be sent; check the connection.");
    } finally {
      if (mounted.current) setPhase("idle");
    }
  };

  const record = async () => {
    setError("");
    setPhase("starting");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      setPhase("idle");
      // No microphone, or it was refused: the browser's recognition would
      // need one too, so the button goes.
      if (e && NO_MICROPHONE.has(e.name)) hide(e.name);
      else setError("The microphone could not be started.");
      return;
    }
    const type = recordingType();
    const options = { audioBitsPerSecond: BITS_PER_SECOND };
    if (type) options.mimeType = type;
    const r = new MediaRecorder(stream, options);
    const chunks = [];
    r.ondataavailable = (event) => {
      if (event.data && event.data.size) chunks.push(event.data);
    };
    r.onstop = () => {
      stream.getTracks().forEach((track) => track.stop());
      recorder.current = null;
      if (!mounted.current) return;
      upload(new Blob(chunks, { type: r.mimeType || type }));
    };
    recorder.current = r;
    r.start();
    setPhase("recording");
  };

  const listen = () => {
    setError("");
    const Recognition = recognitionClass();
    const r = new Recognition();
    r.lang = navigator.language || "en-US";
    r.interimResults = false;
    r.continuous = false;
    r.onresult = (event) => {
      const heard = Array.from(event.results)
        .filter((result) => result.isFinal)
        .map((result) => result[0].transcript)
        .join(" ")
        .trim();
      if (heard) addWords(heard);
    };
    r.onend = () => setPhase("idle");
    r.onerror = (event) => {
      setPhase("idle");
      if (FATAL.has(event && event.error)) hide(event.error);
    };
    recognition.current = r;
    setPhase("listening");
    r.start();
  };

  const toggle = () => {
    if (phase === "recording" && recorder.current) {
      recorder.current.stop();
    } else if (phase === "listening" && recognition.current) {
      recognition.current.stop();
    } else if (phase === "idle") {
      if (mode === "record") record();
      else listen();
    }
  };

  const busy = phase === "starting" || phase === "transcribing";
  const active = phase === "recording" || phase === "listening";
  const label = {
    idle: "\ud83c\udfa4 Dictate",
    starting: "\ud83c\udfa4 Starting\u2026",
    recording: `\u23f9 Recording\u2026 ${clock(elapsed)}`,
    transcribing: "Transcribing\u2026",
    listening: "\u23f9 Listening\u2026",
  }[phase];

  return (
    <span className="voice-input-wrap">
      <button
        id={id}
        type="button"
        className={className}
        data-mode={mode}
        data-state={phase}
        aria-pressed={active ? "true" : "false"}
        aria-busy={busy ? "true" : "false"}
        disabled={busy}
        title={active ? "Stop and use what was said" : "Dictate feedback"}
        onClick={toggle}
      >
        {label}
      </button>
      {error ? (
        <span id={`${id}-error`} className="voice-input-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}
