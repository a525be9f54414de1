"""``Sandbox``: moto (AWS) and the Azure emulator on 127.0.0.1, started and stopped together."""

from __future__ import annotations

import json
import shlex
import ssl
import urllib.request
from pathlib import Path
from typing import Any

from .aws import AwsSandbox
from .azure_server import AzureEmulator

SEED_FILE = Path(__file__).resolve().parent / "seed.json"


def load_seed(seed: dict[str, Any] | str | Path | None = None) -> dict[str, Any]:
    if isinstance(seed, dict):
        return json.loads(json.dumps(seed))
    return json.loads(Path(seed or SEED_FILE).read_text())


class Sandbox:
    """Both fakes, in this process, on free ports. ``with Sandbox(dir) as sb:`` or ``start()``/``stop()``."""

    def __init__(self, state_dir: Path | str, seed: dict[str, Any] | str | Path | None = None):
        self.state_dir = Path(state_dir).resolve()
        self.seed = load_seed(seed)
        self.aws = AwsSandbox()
        self.azure: AzureEmulator | None = None  # built in start(): it needs the certificate files
        self.ca_path = self.state_dir / "ca.pem"

    # -- lifecycle ----------------------------------------------------------------------------------------
    def start(self) -> "Sandbox":
        import trustme

        self.state_dir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        leaf = ca.issue_cert("127.0.0.1", "localhost")
        ca.cert_pem.write_to_path(str(self.ca_path))
        cert_path, key_path = self.state_dir / "server.pem", self.state_dir / "server.key"
        leaf.cert_chain_pems[0].write_to_path(str(cert_path))
        for extra in leaf.cert_chain_pems[1:]:
            extra.write_to_path(str(cert_path), append=True)
        leaf.private_key_pem.write_to_path(str(key_path))
        key_path.chmod(0o600)

        self.aws.start()
        self.azure = AzureEmulator(self.seed, (cert_path, key_path), aws_endpoint=self.aws.endpoint)
        self.azure.start()
        self.wait_ready()
        self.env_file.write_text(self.env_script())
        return self

    def stop(self) -> None:
        if self.azure is not None:
            self.azure.stop()
        self.aws.stop()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def wait_ready(self, timeout: float = 10) -> None:
        """Both servers answer: moto's reset endpoint over HTTP, the metadata endpoint over HTTPS with our CA."""
        context = ssl.create_default_context(cafile=str(self.ca_path))
        urllib.request.urlopen(urllib.request.Request(f"{self.aws_endpoint}/_sandbox/requests"), timeout=timeout).read()
        urllib.request.urlopen(
            f"{self.azure_url}/metadata/endpoints?api-version=2022-09-01", context=context, timeout=timeout
        ).read()

    # -- what clients need ------------------------------------------------------------------------------------
    @property
    def aws_endpoint(self) -> str:
        return self.aws.endpoint

    @property
    def azure_url(self) -> str:
        assert self.azure is not None, "start() first"
        return self.azure.url

    @property
    def env_file(self) -> Path:
        return self.state_dir / "env"

    @property
    def workspace(self) -> dict[str, Any]:
        """The seeded Sentinel-enabled workspace (the first one with ``sentinel`` and not ``forbidden``)."""
        return next(w for w in self.seed["workspaces"] if w.get("sentinel") and not w.get("forbidden"))

    @property
    def env(self) -> dict[str, str]:
        aws = self.seed.get("aws", {})
        region = aws.get("region", "us-east-1")
        return {
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": aws.get("access_key_id", "AKIASANDBOXTESTING01"),
            "AWS_SECRET_ACCESS_KEY": aws.get("secret_access_key", "sandbox-testing-secret-key"),
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AZURE_CLOUD_ENVIRONMENT": self.azure_url,
            "AZURE_SUBSCRIPTION_ID": self.seed["subscription_id"],
            "AZURE_TENANT": self.seed["tenant_id"],
            "AZURE_CLIENT_ID": self.seed["client_id"],
            "AZURE_SECRET": self.seed["client_secret"],
            "AZURE_DISABLE_INSTANCE_DISCOVERY": "true",
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
            # The Log Analytics query endpoint (sentinel.aws.ingestion_info's logs_endpoint).
            "SENTINEL_AWS_LOGS_ENDPOINT": self.azure_url,
            "SANDBOX_AWS_ACCOUNT_ID": aws.get("account_id", "123456789012"),
            "SANDBOX_RESOURCE_GROUP": self.seed["resource_group"],
            "SANDBOX_WORKSPACE_NAME": self.workspace["name"],
            "SANDBOX_WORKSPACE_ID": self.workspace["customer_id"],
            "SANDBOX_AZURE_URL": self.azure_url,
            "SANDBOX_AWS_ENDPOINT": self.aws_endpoint,
        }

    def env_script(self) -> str:
        return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in self.env.items())

    def reset(self) -> None:
        """moto state, emulator state, both logs and all faults back to the start."""
        self.aws.reset(state=True)
        assert self.azure is not None
        self.azure.reset()
