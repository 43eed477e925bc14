"""For tests that sign in through the pages as a user with an authenticator: the code the app
would show, as a person types it. (client.force_login needs none: see src/conftest.py.)"""

from __future__ import annotations

import base64
import time
from typing import Any

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.people.demo import DEMO_TOTP_SECRET


def demo_key() -> str:
    """The published demo secret as TOTPDevice stores it (hex)."""
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def next_code(user: Any) -> str:
    """A code the user's authenticator accepts now and that was not used yet.

    django-otp accepts the time steps within ``tolerance`` of now (shifted by the drift it
    has learnt), and only after the last step used; a second sign-in within 30 s takes the
    next step, and waits for the clock if none is left."""
    while True:
        device = TOTPDevice.objects.get(user=user)  # the one being enrolled, or in use
        real_now = int(time.time() - device.t0) // device.step
        device_now = real_now + device.drift
        low, high = device_now - device.tolerance, device_now + device.tolerance
        candidates = list(range(max(low, device.last_t + 1), high + 1))
        if candidates:
            t = min(candidates, key=lambda step: abs(step - real_now))
            return f"{hotp(device.bin_key, t, device.digits):0{device.digits}d}"
        time.sleep(1)


def give_authenticator(user: Any) -> TOTPDevice:
    """A confirmed authenticator with the demo secret, as a person would have enrolled."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", key=demo_key(),
                                     confirmed=True)


def sign_in_page(page: Any, base: str, user: Any, password: str) -> None:
    """Sign in through the pages in Playwright, giving the authenticator's code if asked."""
    page.goto(f"{base}/sign-in/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if "/account/second-factor/verify/" in page.url:
        page.fill("#id_token", next_code(user))
        page.press("#id_token", "Enter")
    page.wait_for_url(f"{base}/")
