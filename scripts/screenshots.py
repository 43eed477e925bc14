"""Take the screenshots used in README.md and docs/ from a running Vigil with demo data.

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL [PART_OF_FILE_NAME]]
(default http://127.0.0.1:8000, every shot)
Needs Debian's chromium (/usr/bin/chromium); never downloads a browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
ONLY = sys.argv[2] if len(sys.argv) > 2 else ""  # take only the shots whose file has this
OUT = Path(__file__).resolve().parents[1] / "docs" / "img"
PASSWORD = "vigil-demo-2026"  # noqa: S105 - the published demo password
# The published demo authenticator of the privileged demo users (docs/demo.md).
DEMO_TOTP_SECRET = "VIGILDEMOVIGILDEMOVIGILDEMOVIGIL"  # noqa: S105  # nosec B105 - published demo data
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# (username, language, path, file, width, height)
SHOTS = [
    ("security.officer", "en", "/", "home-security-officer.png", 1280, 900),
    ("security.officer", "zh-hans", "/", "home-security-officer-zh.png", 1280, 900),
    ("traveller", "en", "/", "home-traveller-phone.png", 390, 844),
    ("admin", "en", "/", "home-administrator.png", 1280, 900),
    ("admin", "en", "/places/duty-stations/", "duty-stations.png", 1280, 900),
    ("admin", "en", "/places/duty-stations/map/", "duty-station-map.png", 1280, 900),
    ("security.officer", "en", "/people/personnel/", "personnel.png", 1280, 900),
    ("admin", "en", "/people/personnel/import/", "personnel-import.png", 1280, 900),
    ("traveller", "en", "/people/me/", "my-profile.png", 1280, 900),
    ("security.officer", "en", "/places/security-areas/1/", "security-area.png", 1280, 900),
    ("security.officer", "en", "/places/duty-stations/4/", "duty-station.png", 1280, 900),
    ("dro.desk", "en", "/", "home-dro.png", 1280, 900),
    ("dro.desk", "en", "/risk/levels/", "security-levels.png", 1280, 900),
    ("dro.desk", "en", "/risk/levels/map/", "security-level-map.png", 1280, 900),
    ("security.officer", "en", "/risk/areas/4/propose/", "threat-assessment.png", 1280, 900),
    ("dro.desk", "en", "/risk/sras/1/", "sra.png", 1280, 1400),
    ("dro.desk", "en", "/risk/due/", "reviews-due.png", 1280, 900),
    ("dro.desk", "en", "/risk/criticality/", "criticality-board.png", 1280, 900),
    ("security.officer", "en", "/risk/moss/1/", "moss.png", 1280, 1100),
    ("security.officer", "en", "/risk/moss/assessments/3/", "moss-assessment.png", 1280, 1100),
    ("security.officer", "en", "/risk/plans/1/", "security-plan.png", 1280, 1100),
    ("dro.desk", "en", "/risk/missions/", "missions.png", 1280, 900),
    ("security.officer", "en", "/risk/surveys/", "surveys.png", 1280, 900),
    ("traveller", "en", "/travel/", "travel-my-trips.png", 1280, 900),
    ("traveller", "en", "/travel/requests/new/", "travel-request-form-phone.png", 390, 1600),
    ("security.officer", "en", "/travel/requests/281/", "travel-request-detail.png", 1280, 1100),
    ("dro.desk", "en", "/travel/uncovered/", "travel-uncovered.png", 1280, 900),
    ("admin", "en", "/travel/requests/13/", "travel-decided-by-rules.png", 1280, 760),
    ("security.officer", "zh-hans", "/travel/requests/281/", "travel-request-detail-zh.png",
     1280, 1100),
    ("security.officer", "en", "/travel/approvals/", "travel-approval-queue.png", 1280, 900),
    ("security.officer", "en", "/travel/whereabouts/?latitude=-1.2864&longitude=36.8172"
     "&radius_km=25&when=now", "travel-whereabouts.png", 1280, 1000),
    ("security.officer", "en", "/travel/coverage/", "travel-coverage.png", 1280, 1100),
    ("traveller", "en", "/travel/directory/KE/", "travel-directory.png", 1280, 1000),
    ("traveller", "en", "/travel/advisories/", "travel-advisories.png", 1280, 900),
    ("security.officer", "en", "/incidents/", "incidents.png", 1280, 900),
    ("security.officer", "en", "/incidents/map/", "incident-map.png", 1280, 900),
    ("programme.manager", "en", "/incidents/statistics/?by=category&period=year",
     "incident-statistics.png", 1280, 1100),
    ("security.officer", "en", "/incidents/96/", "incident-detail.png", 1280, 1300),
    ("security.officer", "en", "/incidents/new/", "incident-form.png", 1280, 1400),
    ("admin", "en", "/incidents/124/", "incident-cap.png", 1280, 1000),
    ("admin", "en", "/crisis/cap/alerts/", "cap-alerts.png", 1280, 900),
    ("admin", "en", "/crisis/cap/upload/", "cap-upload.png", 1280, 900),
    ("security.officer", "en", "/crisis/", "crisis-list.png", 1280, 900),
    ("security.officer", "en", "/crisis/declare/?title=Unrest+in+central+Nairobi&place=Nairobi"
     "&radius_km=10", "crisis-declare.png", 1280, 1100),
    ("security.officer", "en", "/crisis/3/", "crisis-detail.png", 1280, 1500),
    ("security.officer", "en", "/crisis/3/board/", "crisis-board.png", 1280, 1100),
    ("security.officer", "zh-hans", "/crisis/3/board/", "crisis-board-zh.png", 1280, 1100),
    ("security.officer", "en", "/crisis/3/broadcast/", "crisis-broadcast.png", 1280, 1100),
    ("", "en", "{checkin}", "crisis-checkin-phone.png", 390, 844),
    ("security.officer", "en", "/crisis/check-ins/", "crisis-checkins.png", 1280, 900),
    # HQ access control (docs/hq-access.md)
    ("hq.security", "en", "/hq/access/", "hq-access-premises.png", 1280, 620),
    ("hq.security", "en", "/hq/access/premises/1/", "hq-access-zones-gates.png", 1280, 1000),
    ("hq.security", "en", "/hq/access/holders/1/issue/", "hq-access-pass-issue.png", 1280, 640),
    ("hq.security", "en", "/hq/access/passes/", "hq-access-passes.png", 1280, 900),
    ("hq.security", "en", "/hq/access/passes/37/", "hq-access-pass.png", 1280, 860),
    ("hq.security", "en", "/hq/access/passes/1/card/", "hq-access-pass-card.png", 360, 310),
    ("traveller", "en", "/hq/access/visits/new/", "hq-access-register-visitor.png", 1280, 1000),
    ("hq.security", "en", "/hq/access/my-visitors/", "hq-access-my-visitors.png", 1280, 560),
    ("hq.security", "en", "/hq/access/premises/1/visitors/", "hq-access-visitors-today.png",
     1280, 1000),
    ("hq.security", "en", "/hq/access/visits/1/", "hq-access-visit-phone.png", 390, 1170),
    ("hq.security", "en", "/hq/access/meetings/1/", "hq-access-meeting.png", 1280, 1100),
    ("hq.security", "en", "/hq/access/meetings/1/#add-d", "hq-access-meeting-add.png",
     1280, 800),
    # Protective services (docs/hq-protection.md)
    ("protection", "en", "/", "hq-protection-home.png", 1280, 900),
    ("protection", "en", "/hq/protection/principals/", "hq-protection-principals.png",
     1280, 620),
    ("protection", "en", "/hq/protection/principals/4/", "hq-protection-principal.png",
     1280, 580),
    ("protection", "en", "/hq/protection/cases/", "hq-protection-cases.png", 1280, 900),
    ("protection", "en", "/hq/protection/cases/3/", "hq-protection-case.png", 1280, 1160),
    ("protection", "en", "/hq/protection/cases/2/assessment/", "hq-protection-assessment.png",
     1280, 1140),
    ("protection", "en", "/hq/protection/cases/2/#advance", "hq-protection-advance.png",
     1280, 900),
    ("protection", "en", "/hq/protection/cases/3/#decide", "hq-protection-decision.png",
     1280, 760),
]
# The public check-in page needs a live token: VIGIL_SHOT_CHECKIN=/c/<token>/
# A path ending in #<id> is shot scrolled to that part of the page.

# Shots taken at a higher pixel density (small pages whose print must stay legible).
SCALE = {"hq-access-pass-card.png": 2}


def goto(page: Page, url: str) -> Response | None:
    """Open url, waiting out a development server that is reloading after a code change."""
    for attempt in range(10):
        try:
            return page.goto(url)
        except PlaywrightError as exc:
            if "ERR_CONNECTION_REFUSED" not in str(exc) or attempt == 9:
                raise
            time.sleep(3)
    return None


def totp_now(secret: str = DEMO_TOTP_SECRET) -> str:
    """The six digits an authenticator app shows now for this secret (RFC 6238: SHA-1, 30 s)."""
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(page: Page, username: str) -> None:
    """The demo password, then, for a privileged user, the demo authenticator's code."""
    goto(page, f"{BASE}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn")
    page.wait_for_load_state()
    if "/account/second-factor/verify/" in page.url:
        page.fill("#id_token", totp_now())
        page.press("#id_token", "Enter")
        page.wait_for_load_state()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    # One sign-in per user, its cookies reused: a code of the authenticator works once.
    signed_in: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for username, language, path, name, width, height in SHOTS:
            if ONLY not in name:
                continue
            context = browser.new_context(viewport={"width": width, "height": height},
                                          device_scale_factor=SCALE.get(name, 1),
                                          storage_state=signed_in.get(username))
            context.add_cookies([{"name": "vigil_language", "value": language,
                                  "url": BASE}])
            page = context.new_page()
            if username and username not in signed_in:
                sign_in(page, username)
                signed_in[username] = context.storage_state()
            if path == "{checkin}":
                path = os.environ.get("VIGIL_SHOT_CHECKIN", "")
                if not path:
                    continue
            response = goto(page, f"{BASE}{path}")
            page.wait_for_load_state("networkidle")
            if response is None or response.status >= 400:
                failed.append(f"{name}: {path} answered "
                              f"{response.status if response else 'nothing'}")
            page.screenshot(path=str(OUT / name), full_page=False)
            context.close()
            print(f"{name}: {username} {language} {path}")
        browser.close()
    if failed:
        sys.exit("\n".join(["Pages that did not answer 200:", *failed]))


if __name__ == "__main__":
    main()
