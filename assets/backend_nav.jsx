// Loads a backend route (the session-cookie routes of bookgen/api.py) as a
// full page navigation. The backend may sit on another origin than the page
// (the dev server), hence getBackendURL. Handlers call it through
// rx.call_script (see bookgen/components/backend_nav.py); rendering the
// component loads this module, which installs the function.
import { getBackendURL } from "$/utils/state";

export const BACKEND_NAV = "bookgenBackendNav";

if (typeof window !== "undefined") {
  window[BACKEND_NAV] = (path) => {
    window.location.assign(new URL(path, getBackendURL()).toString());
  };
}

export function BackendNav() {
  return null;
}
