// Dictation for the feedback box, with the browser's own speech recognition.
// Renders nothing where the browser has none. Audio stays in the browser:
// only the recognised text is handed to the page (onText), which sends it as
// ordinary feedback text over the socket.
import { useEffect, useRef, useState } from "react";

// Errors that mean dictation cannot work in this browser (no speech service,
// as in Chromium builds without Google's keys; microphone refused or absent):
// the button then hides for the rest of the session instead of failing again.
const FATAL = new Set(["network", "not-allowed", "service-not-allowed", "audio-capture"]);
const BROKEN_KEY = "bookgen-voice-unavailable";

function recognitionClass() {
  if (typeof window === "undefined") return null;
  try {
    if (window.sessionStorage.getItem(BROKEN_KEY)) return null;
  } catch (e) {
    // storage blocked: ask the browser again each time
  }
  return window.SpeechRecognition || window.webkitSpeechRecognition || null;
}

export function VoiceInput({ value, onText, id, className }) {
  const [supported, setSupported] = useState(false);
  const [listening, setListening] = useState(false);
  const recognition = useRef(null);
  const latest = useRef({ value, onText });
  latest.current = { value, onText };

  useEffect(() => {
    setSupported(recognitionClass() !== null);
    return () => recognition.current && recognition.current.abort();
  }, []);

  if (!supported) return null;

  const toggle = () => {
    if (listening && recognition.current) {
      recognition.current.stop();
      return;
    }
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
      if (!heard) return;
      const { value: before, onText: send } = latest.current;
      const sep = before && !/\s$/.test(before) ? " " : "";
      if (send) send((before || "") + sep + heard);
    };
    r.onend = () => setListening(false);
    r.onerror = (event) => {
      setListening(false);
      if (FATAL.has(event && event.error)) {
        try {
          window.sessionStorage.setItem(BROKEN_KEY, event.error);
        } catch (e) {
          // storage blocked: hiding for this page is enough
        }
        setSupported(false);
      }
    };
    recognition.current = r;
    setListening(true);
    r.start();
  };

  return (
    <button
      id={id}
      type="button"
      className={className}
      aria-pressed={listening ? "true" : "false"}
      title={listening ? "Stop dictating" : "Dictate feedback"}
      onClick={toggle}
    >
      {listening ? "\u23f9 Listening\u2026" : "\ud83c\udfa4 Dictate"}
    </button>
  );
}
