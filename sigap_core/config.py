"""Settings (CONTRACT §2): environment variables with the SIGAP_ prefix, optionally from `.env`."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGAP_", env_file=".env", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str | None = None
    secret_key: SecretStr | None = None
    policy_file: Path | None = None
    # The gettext catalogs; unset: the ones shipped inside the package (sigap_core/locales).
    locales_dir: Path | None = None
    # "inline": SQLite statements run in the event-loop thread (sigap_core/store/inline_sqlite.py);
    # "aiosqlite": plain aiosqlite, a worker thread per connection.
    sqlite_driver: Literal["inline", "aiosqlite"] = "inline"

    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    whatsapp_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    # v25.0 is available until 29 July 2028 (bot/graph_versions.py keeps the table of expiry dates).
    whatsapp_graph_base: str = "https://graph.facebook.com/v25.0"
    whatsapp_template_name: str = "sigap_pengumuman"
    whatsapp_template_language: str = "id"
    # The approved template an officer's answer (also the rating question, a transfer notice) goes as outside
    # the 24-hour window: it says, without the answer, that there is news from the officer on ticket {{1}}
    # (its one body parameter, e.g. "#12") and invites a reply.
    whatsapp_ticket_template: str = "sigap_jawaban_petugas"
    # The approved template a notice to staff (a new question, a follow-up, a transfer, an SLA reminder) goes
    # as outside the window: it says that ticket {{1}} (its one body parameter) has a question waiting.
    whatsapp_staff_template: str = "sigap_tiket_petugas"

    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # The service's public base URL, for the dashboard's one-time links (CONTRACT §2).
    public_url: str | None = None

    telegram_rate: float = 25.0
    whatsapp_rate: float = 64.0
    # How long a claimed broadcast row belongs to its sender without renewal; a dead sender's rows are sent
    # again after this (see bot/sender.py).
    outbox_lease_seconds: float = 20.0

    # `sigap run`: the longest wait between two retries of anything the service retries (Telegram
    # registration and polling, the database), and how long SIGTERM waits for work in flight.
    retry_max_seconds: float = 15.0
    shutdown_grace_seconds: float = 10.0

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.var_dir / 'sigap.db').as_posix()}"

    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @property
    def has_real_secret(self) -> bool:
        return self.secret_key is not None and bool(self.secret_key.get_secret_value())

    def secret_key_bytes(self) -> bytes:
        """The HMAC key; in demo mode one is generated once into var/ (with a warning)."""
        if self.has_real_secret:
            assert self.secret_key is not None
            return self.secret_key.get_secret_value().encode()
        key_file = self.var_dir / "demo-secret.key"
        if not key_file.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
            log.warning("SIGAP_SECRET_KEY is not set: generated a demo key in %s (demo use only)", key_file)
        else:
            log.info("SIGAP_SECRET_KEY is not set: using the demo key in %s", key_file)
        return key_file.read_text().strip().encode()

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None and bool(self.telegram_token.get_secret_value())

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.whatsapp_token and self.whatsapp_phone_number_id and self.whatsapp_app_secret)
