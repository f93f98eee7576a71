// Loads a backend route (the session-cookie routes of bookgen/api.py) as a
// full page navigation once `path` is set. The backend may sit on another
// origin than the page (the dev server), hence getBackendURL.
import { useEffect } from "react";
import { getBackendURL } from "$/utils/state";

// Module-level, so React StrictMode's second mount does not navigate again
// (a claim code works once).
let lastPath = "";

export function BackendNav({ path }) {
  useEffect(() => {
    if (!path || path === lastPath) return;
    lastPath = path;
    window.location.assign(new URL(path, getBackendURL()).toString());
  }, [path]);
  return null;
}
