// StreamText: shows a message whose text arrives in pieces.
// The server sends (offset, chunk) pairs instead of the whole growing string,
// so bytes stay linear in the text length. All positions are Unicode code
// points (Python's len(str)); JS strings count UTF-16 units, so we convert.
//
// Lifecycle: each mount of a `src` owns one fetch loop (a "loader"); the
// effect that starts it aborts it in its cleanup. React's StrictMode (dev
// server) mounts, unmounts and mounts again: the first loop is aborted, its
// late answer dropped, and the second mount fetches anew. Received text lives
// in a ref that survives such a remount, so nothing is shown twice or lost.
import React, { memo, useEffect, useLayoutEffect, useReducer, useRef, useState } from "react";
import Markdown from "react-markdown";
import { getBackendURL } from "$/utils/state";

const BASE_RATE = 80; // chars/s revealed when there is no backlog
const CATCH_UP = 0.5; // s: the backlog is revealed at backlog/CATCH_UP chars/s
const RETRY_FIRST_MS = 500; // first retry of a fetch that failed (network, 5xx)
const RETRY_MAX_MS = 15000; // later retries back off, doubling, up to this

// A non-2xx answer; 4xx ones are final (no such message, bad request).
class HttpError extends Error {
  constructor(status, url) {
    super(`${status} ${url}`);
    this.status = status;
  }
  get final() {
    return this.status >= 400 && this.status < 500;
  }
}

// GET the message text from code point `from` (bookgen/api.py).
async function fetchText(src, from, signal) {
  const url = getBackendURL();
  url.pathname = src;
  url.search = `?from=${from}`;
  // credentials: the session cookie must reach the backend on the dev server too.
  const res = await fetch(url, { cache: "no-store", credentials: "include", signal });
  if (!res.ok) throw new HttpError(res.status, url);
  return res.text();
}

// Wait `ms`, or less if `signal` aborts first.
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
    if (signal.aborted) done();
  });
}

// The fetch loop of one mount of one src: at most one request in flight.
function newLoader(src) {
  return { src, ctrl: new AbortController(), busy: false, again: false, want: 0, failed: false };
}

// Code points in s (a surrogate pair counts once).
function cpLen(s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

// s without its first n code points.
function cpDrop(s, n) {
  let i = 0;
  while (n > 0 && i < s.length) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    n--;
  }
  return s.slice(i);
}

// Split on blank lines, but keep fenced code blocks whole.
function splitBlocks(s) {
  const out = [];
  let inFence = false;
  for (const part of s.split(/\n[ \t]*\n/)) {
    if (inFence) out[out.length - 1] += "\n\n" + part;
    else out.push(part);
    if ((part.match(/^ {0,3}(```|~~~)/gm) || []).length % 2) inFence = !inFence;
  }
  return out;
}

// One stylesheet per page, shared by every instance. Minimal typography because
// Radix's reset strips margins and list markers; apps can override via class_name.
const CSS = `
@keyframes st-blink { 0%, 100% { opacity: 1 } 50% { opacity: 0 } }
.st-live .st-tail > :not(ul):not(ol):last-child::after,
.st-live .st-tail > :is(ul, ol):last-child > li:last-child::after,
.st-live .st-caret::after {
  content: ""; display: inline-block; width: 2px; height: 1.1em;
  margin-left: 2px; vertical-align: text-bottom; background: currentColor;
  animation: st-blink 1s steps(1) infinite;
}
@media (prefers-reduced-motion: reduce) {
  .st-live .st-tail *::after, .st-live .st-caret::after { animation: none !important; }
}
.st-plain { white-space: pre-wrap; }
.st-text p, .st-text ul, .st-text ol, .st-text blockquote, .st-text pre { margin: 0 0 0.8em; }
.st-text ul { list-style: disc; padding-left: 1.5em; }
.st-text ol { list-style: decimal; padding-left: 1.5em; }
.st-text h1, .st-text h2, .st-text h3 { font-weight: 700; margin: 0.6em 0 0.4em; line-height: 1.25; }
.st-text h1 { font-size: 1.6em; } .st-text h2 { font-size: 1.35em; } .st-text h3 { font-size: 1.15em; }
.st-text blockquote { border-left: 3px solid currentColor; padding-left: 0.8em; opacity: 0.85; }
`;
function injectCss() {
  if (typeof document === "undefined" || document.getElementById("st-css")) return;
  const el = document.createElement("style");
  el.id = "st-css";
  el.textContent = CSS;
  document.head.appendChild(el);
}

function reducedMotion() {
  return typeof window !== "undefined" && !!window.matchMedia &&
    window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

// Model and author text may name images anywhere; none is ever fetched (a
// request to another origin would leak that the page was read). The alt text
// stands in its place.
const NO_IMAGES = {
  img: ({ alt }) => <span className="st-img">{alt ? `[image: ${alt}]` : "[image]"}</span>,
};

// Finished paragraphs are memoized so markdown is parsed once per paragraph.
// Raw HTML is never rendered (skipHtml): markup shows as text, inert.
const Block = memo(function Block({ src }) {
  return <Markdown skipHtml components={NO_IMAGES}>{src}</Markdown>;
});

export function StreamText({
  src = "",
  length = 0,
  messageKey = "",
  live = "",
  streaming = false,
  markdown = true,
  className,
  ...rest
}) {
  // Received text lives in a ref (fetched over HTTP, then extended by live
  // chunks) and names its src; `shown` is the displayed prefix as
  // [UTF-16 index, code points].
  const recv = useRef({ src: null, text: "", cp: 0 });
  const loader = useRef(null);
  const [shown, setShown] = useState([0, 0]);
  const shownRef = useRef(shown);
  const [failed, setFailed] = useState(0); // HTTP status of a final fetch error
  const [, rerender] = useReducer((x) => x + 1, 0);
  const raf = useRef(0);
  const streamingRef = useRef(streaming);
  streamingRef.current = streaming;

  const show = (u) => {
    const [pu, pcp] = shownRef.current;
    const t = recv.current.text;
    const next = u >= pu ? [u, pcp + cpLen(t.slice(pu, u))] : [u, cpLen(t.slice(0, u))];
    shownRef.current = next;
    setShown(next);
  };
  const stopReveal = () => {
    cancelAnimationFrame(raf.current);
    raf.current = 0;
  };
  const showAll = () => {
    stopReveal();
    shownRef.current = [recv.current.text.length, recv.current.cp];
    setShown(shownRef.current);
  };

  // Reveal received text word by word, faster when the backlog grows.
  const tick = (last, pos) => (now) => {
    const t = recv.current.text;
    const dt = Math.min((now - last) / 1000, 0.1);
    const backlog = t.length - pos;
    if (backlog <= 0) { raf.current = 0; return; }
    pos = Math.min(t.length, pos + Math.max(BASE_RATE, backlog / CATCH_UP) * dt);
    // Snap to the end of a word (never mid-word, never inside a surrogate pair).
    const ws = t.slice(Math.floor(pos)).search(/\s/);
    const end = ws < 0 ? (streamingRef.current ? shownRef.current[0] : t.length)
                       : Math.floor(pos) + ws;
    if (end > shownRef.current[0]) show(end);
    if (ws < 0 && !streamingRef.current) { raf.current = 0; return; }
    raf.current = requestAnimationFrame(tick(now, pos));
  };
  const kick = () => {
    if (reducedMotion() || !streamingRef.current) return showAll();
    if (!raf.current) {
      const now = performance.now();
      raf.current = requestAnimationFrame(tick(now, shownRef.current[0]));
    }
  };

  // Append `more`, which starts at code point `from`; overlap is dropped, so
  // the same text arriving twice (HTTP and live, or two answers) is kept once.
  const append = (from, more) => {
    const r = recv.current;
    const end = from + cpLen(more);
    if (from > r.cp || end <= r.cp) return false;
    r.text += cpDrop(more, r.cp - from);
    r.cp = end;
    return true;
  };

  // Fetch what we lack over HTTP: on mount, after a gap, or when the server
  // says the message is longer than what we hold. Runs on the current loader
  // only; an aborted loader (unmounted, or src changed) stops and drops what
  // arrives late. A 4xx is final; network errors and 5xx retry with backoff.
  const catchUp = async (want) => {
    const l = loader.current;
    if (!l || l.ctrl.signal.aborted || l.failed) return;
    l.want = Math.max(l.want, want);
    if (l.busy) { l.again = true; return; }
    l.busy = true;
    const signal = l.ctrl.signal;
    let retryMs = RETRY_FIRST_MS;
    try {
      while (!signal.aborted && recv.current.cp < l.want) {
        l.again = false;
        const from = recv.current.cp;
        let more;
        try {
          more = await fetchText(l.src, from, signal);
        } catch (e) {
          if (signal.aborted) return;
          if (e instanceof HttpError && e.final) {
            l.failed = true;
            setFailed(e.status);
            return;
          }
          await sleep(retryMs, signal);
          retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
          continue;
        }
        if (signal.aborted) return;
        retryMs = RETRY_FIRST_MS;
        const grew = append(from, more);
        if (grew) {
          rerender();
          // Text that already existed appears at once; only live text types.
          if (!streamingRef.current || from === 0) showAll(); else kick();
        }
        if (!grew && !l.again) break; // the server has nothing more yet
      }
    } finally {
      l.busy = false;
    }
  };

  useEffect(injectCss, []);

  // Each mount of a message gets its own loader, aborted on cleanup. Text
  // already received for this src is kept (a StrictMode remount); a new src
  // starts over from its text on the server.
  useLayoutEffect(() => {
    const l = newLoader(src);
    loader.current = l;
    setFailed(0); // a new loader tries again
    if (recv.current.src !== src) {
      recv.current = { src, text: "", cp: 0 };
      shownRef.current = [0, 0];
      setShown([0, 0]);
    } else if (shownRef.current[0] < recv.current.text.length) {
      kick();
    }
    if (src) catchUp(Math.max(1, length));
    return () => {
      l.ctrl.abort();
      stopReveal();
    };
  }, [src]);

  // The server's length moved past ours (e.g. the message finished): fetch the rest.
  useLayoutEffect(() => {
    if (length > recv.current.cp) catchUp(length);
    else if (!streaming) showAll();
  }, [length, streaming]);

  // Live tail "m<id>:<offset>:<chunk>": chunk starts at code point `offset`.
  // Idempotent; a chunk past our end means pushes were missed: fetch the gap.
  useLayoutEffect(() => {
    const a = live ? live.indexOf(":") : -1;
    const b = a < 0 ? -1 : live.indexOf(":", a + 1);
    if (b < 0 || live.slice(0, a) !== messageKey) return;
    const offset = Number(live.slice(a + 1, b));
    const chunk = live.slice(b + 1);
    if (!chunk) return;
    if (offset > recv.current.cp) {
      catchUp(offset + cpLen(chunk));
      return;
    }
    if (append(offset, chunk)) {
      rerender();
      kick();
    }
  }, [live, messageKey]);

  const [u, shownCp] = shown;
  const text = recv.current.text.slice(0, u);
  let body;
  if (!markdown) {
    body = [
      <span key="t" className="st-plain">{text}</span>,
      <span key="c" className="st-caret" aria-hidden="true" />,
    ];
  } else {
    // Completed blocks are memoized; only the last one re-parses as it grows.
    const blocks = splitBlocks(text);
    const tail = blocks.pop();
    body = [];
    blocks.forEach((src, i) => {
      body.push(<Block key={i} src={src} />, "\n");
    });
    body.push(tail.trim()
      ? <div key="tail" className="st-tail"><Markdown skipHtml components={NO_IMAGES}>{tail}</Markdown></div>
      : <span key="tail" className="st-caret" aria-hidden="true" />);
  }
  // Still receiving until the text is as long as the server says, even once
  // the message is finished: the tail may still be on its way over HTTP.
  // A final fetch error (e.g. 404) ends it: the text will not come.
  const receiving = !failed && (streaming || recv.current.cp < length);
  const cls = [className, "st-text", receiving ? "st-live" : null].filter(Boolean).join(" ");
  return (
    <div {...rest} className={cls} data-message={messageKey || undefined}
         data-length={recv.current.cp} data-shown={shownCp}
         data-streaming={receiving ? "true" : "false"}
         data-error={failed || undefined}>
      {body}
    </div>
  );
}

export default StreamText;
