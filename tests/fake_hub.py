"""A tiny stand-in for the Hugging Face Hub's HTTP API, on localhost, for the real huggingface_hub client.

It keeps model repos in memory: create, pre-upload, commit (small files, sent inline),
revision info and file downloads; enough for create_repo, upload_folder and snapshot_download.
"""

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHub:
    def __init__(self):
        self.repos = {}  # repo id -> list of commits: (sha, {path: bytes})
        self.requests = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def files(self, repo_id, revision="main"):
        return self._commit(repo_id, revision)[1]

    def _commit(self, repo_id, revision):
        commits = self.repos.get(repo_id)
        if commits is None:
            return None
        if revision in ("main", None):
            return commits[-1]
        return next((c for c in commits if c[0] == revision), None)

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", headers=None, head=False):
                if isinstance(body, (dict, list)):
                    body = json.dumps(body).encode()
                    headers = {"Content-Type": "application/json", **(headers or {})}
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _not_found(self, kind="Repo", head=False):
                self._send(404, {"error": f"{kind} not found"}, {"X-Error-Code": f"{kind}NotFound"}, head=head)

            def _body(self):
                return self.rfile.read(int(self.headers.get("Content-Length", 0)))

            def do_POST(self):
                hub.requests.append(("POST", self.path))
                body = self._body()
                if self.path == "/api/repos/create":
                    spec = json.loads(body)
                    repo_id = f"{spec.get('organization') or 'user'}/{spec['name']}" if "/" not in spec["name"] else spec["name"]
                    hub.repos.setdefault(repo_id, [("0" * 40, {})])
                    return self._send(200, {"url": f"{hub.url}/{repo_id}", "name": repo_id})
                if self.path == "/api/validate-yaml":  # the Hub checks a model card's metadata before a commit
                    import yaml

                    card = json.loads(body)["content"]
                    front_matter = card.split("---\n")[1] if card.startswith("---\n") else ""
                    metadata = yaml.safe_load(front_matter)
                    if not isinstance(metadata, dict):
                        return self._send(400, {"error": "model card metadata must be a YAML mapping"})
                    return self._send(200, {"errors": [], "warnings": []})
                match = re.match(r"^/api/models/(.+?/.+?)/(preupload|commit)/([^/?]+)", self.path)
                if not match or match[1] not in hub.repos:
                    return self._not_found()
                repo_id, action = match[1], match[2]
                if action == "preupload":
                    files = json.loads(body)["files"]
                    return self._send(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]})
                files = dict(hub.repos[repo_id][-1][1])
                for line in body.decode().splitlines():
                    entry = json.loads(line)
                    if entry["key"] == "file":
                        files[entry["value"]["path"]] = base64.b64decode(entry["value"]["content"])
                sha = hashlib.sha1(json.dumps(sorted((k, hashlib.sha1(v).hexdigest()) for k, v in files.items())).encode()).hexdigest()
                hub.repos[repo_id].append((sha, files))
                return self._send(200, {"commitUrl": f"{hub.url}/{repo_id}/commit/{sha}", "commitOid": sha, "success": True})

            def do_GET(self, head=False):
                hub.requests.append(("HEAD" if head else "GET", self.path))
                path = self.path.split("?")[0]
                match = re.match(r"^/api/models/(.+?/.+?)/revision/([^/]+)$", path)
                if match:
                    commit = hub._commit(match[1], match[2])
                    if commit is None:
                        return self._not_found("Repo" if match[1] not in hub.repos else "Revision")
                    return self._send(200, {"id": match[1], "sha": commit[0], "siblings": [{"rfilename": f} for f in sorted(commit[1])]})
                match = re.match(r"^/api/models/(.+?/.+?)/tree/([^/]+)$", path)
                if match:
                    commit = hub._commit(match[1], match[2])
                    if commit is None:
                        return self._not_found("Repo" if match[1] not in hub.repos else "Revision")
                    entries = [{"type": "file", "path": f, "size": len(d), "oid": hashlib.sha1(d).hexdigest()} for f, d in sorted(commit[1].items())]
                    return self._send(200, entries)
                match = re.match(r"^/(.+?/.+?)/resolve/([^/]+)/(.+)$", path)
                if match:
                    commit = hub._commit(match[1], match[2])
                    if commit is None or match[3] not in commit[1]:
                        return self._not_found("Entry" if commit else "Repo", head=head)
                    data = commit[1][match[3]]
                    etag = f'"{hashlib.sha1(data).hexdigest()}"'
                    return self._send(200, data, {"X-Repo-Commit": commit[0], "ETag": etag}, head=head)
                return self._not_found()

            def do_HEAD(self):
                self.do_GET(head=True)

        return Handler
