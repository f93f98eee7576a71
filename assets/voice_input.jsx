// Dictation for the feedback box, with the browser's own speech recognition.
// Renders nothing where the browser has none. Audio stays in the browser:
// only the recognised text is handed to the page (onText), which sends it as
// ordinary feedback text over the socket.
import { useEffect, useRef, useState } from "react";

function recognitionClass() {
  if (typeof window === "undefined") return null;
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
    r.onerror = () => setListening(false);
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
