// A link or image whose path is on the backend (bookgen/api_files.py): a
// book's exports and cover. The backend may sit on another origin than the
// page (the dev server), hence getBackendURL; the session cookie goes along.
import { getBackendURL } from "$/utils/state";

function backendHref(path) {
  return new URL(path, getBackendURL()).toString();
}

export function BackendLink({ path, children, ...props }) {
  return (
    <a href={backendHref(path)} {...props}>
      {children}
    </a>
  );
}

export function BackendImage({ path, ...props }) {
  return <img src={backendHref(path)} {...props} />;
}
