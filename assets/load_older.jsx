// The chat panel's "Load older messages" button. Clicking it, or scrolling
// the thread (the nearest `.thread` ancestor) up to its top, asks the server
// once per oldest-shown message for the page before it; when that page
// arrives, the scroll position is kept, so the author stays where they read.
import { useEffect, useLayoutEffect, useRef } from "react";

const NEAR_TOP_PX = 48;

export function LoadOlder({ oldest, onVisible, id, className, children }) {
  const ref = useRef(null);
  const askedFor = useRef(null);
  const heightBefore = useRef(null);
  const handler = useRef(onVisible);
  handler.current = onVisible;

  const ask = (root) => {
    if (askedFor.current === oldest) return;
    askedFor.current = oldest;
    heightBefore.current = root ? root.scrollHeight : null;
    if (handler.current) handler.current();
  };

  // Older bubbles were added above: keep the same bubbles in view.
  useLayoutEffect(() => {
    const root = ref.current && ref.current.closest(".thread");
    if (root && heightBefore.current !== null) {
      root.scrollTop += root.scrollHeight - heightBefore.current;
      heightBefore.current = null;
    }
  }, [oldest]);

  useEffect(() => {
    const root = ref.current && ref.current.closest(".thread");
    if (!root) return undefined;
    const onScroll = () => {
      if (root.scrollTop <= NEAR_TOP_PX) ask(root);
    };
    root.addEventListener("scroll", onScroll, { passive: true });
    return () => root.removeEventListener("scroll", onScroll);
  }, [oldest]);

  return (
    <button
      ref={ref}
      id={id}
      className={className}
      type="button"
      data-oldest={oldest}
      onClick={() => ask(ref.current && ref.current.closest(".thread"))}
    >
      {children}
    </button>
  );
}
