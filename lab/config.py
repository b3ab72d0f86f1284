"""The configuration files a lab Asterisk instance runs with (all generated, all loopback)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The AMI user's rights and event filters are the production ones, read from the file the
# container ships (one place): what the lab tests pass with is what production grants.
SHIPPED_MANAGER_CONF = Path(__file__).resolve().parents[1] / "docker" / "asterisk" / "manager.conf"

MODULES = (
    "pbx_config.so",
    "app_playback.so",
    "app_read.so",
    "app_talkdetect.so",
    "app_waitforsilence.so",
    "app_senddtmf.so",
    "app_userevent.so",
    "app_verbose.so",
    "app_stack.so",
    "app_echo.so",
    "app_db.so",
    "func_db.so",
    "func_logic.so",
    "func_strings.so",
    "func_channel.so",
    "func_callerid.so",
    "func_global.so",
    "func_math.so",
    "func_timeout.so",
    "func_hangupcause.so",
    "codec_ulaw.so",
    "codec_alaw.so",
    "codec_gsm.so",
    "codec_resample.so",
    "codec_a_mu.so",
    "format_wav.so",
    "format_gsm.so",
    "format_pcm.so",
    "format_sln.so",
    "bridge_simple.so",
    "bridge_native_rtp.so",
    "res_curl.so",
    "func_curl.so",
    "res_http_media_cache.so",
)

SIM_SOUNDS = "/usr/share/asterisk/sounds/en_US_f_Allison"


@dataclass(frozen=True)
class LabInstance:
    """One Asterisk process of the lab; several can share the chroot on other ports."""

    name: str
    ami_port: int
    ami_username: str
    ami_secret: str

    @property
    def etc(self) -> str:
        return f"/etc/binalert-lab/{self.name}"

    @property
    def run(self) -> str:
        return f"/var/lib/binalert-lab/{self.name}/run"

    @property
    def var(self) -> str:
        return f"/var/lib/binalert-lab/{self.name}"

    @property
    def sounds(self) -> str:
        return f"{self.var}/sounds"

    @property
    def greetings(self) -> str:
        """What the simulated members say when they answer (lab.greetings writes them)."""
        return f"{self.var}/sim-greetings"

    def files(self) -> dict[str, str]:
        return {
            "asterisk.conf": self.asterisk_conf(),
            "modules.conf": self.modules_conf(),
            "manager.conf": self.manager_conf(),
            "extensions.conf": self.extensions_conf(),
            "logger.conf": "[general]\n[logfiles]\nmessages.log => notice,warning,error\n",
            "http.conf": "[general]\nenabled=no\n",
            "cdr.conf": "[general]\nenable=no\n",
        }

    def asterisk_conf(self) -> str:
        return (
            "[directories]\n"
            f"astetcdir => {self.etc}\n"
            "astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules\n"
            f"astvarlibdir => {self.var}\n"
            f"astdbdir => {self.var}\n"
            f"astkeydir => {self.var}\n"
            "astdatadir => /usr/share/asterisk\n"
            f"astspooldir => {self.var}/spool\n"
            f"astrundir => {self.run}\n"
            f"astlogdir => {self.var}/log\n"
            f"astcachedir => {self.var}/cache\n"
            "astsbindir => /usr/sbin\n"
            "[options]\n"
            "verbose = 0\n"
            "nofork = yes\n"
            "maxcalls = 4000\n"
            f"systemname = {self.name}\n"
        )

    def modules_conf(self) -> str:
        loads = "".join(f"load => {m}\n" for m in MODULES)
        return "[modules]\nautoload = no\n" + loads

    def manager_conf(self) -> str:
        return (
            "[general]\n"
            "enabled = yes\n"
            f"port = {self.ami_port}\n"
            "bindaddr = 127.0.0.1\n"
            "channelvars = BINALERT_CALL_ID\n"
            f"[{self.ami_username}]\n"
            f"secret = {self.ami_secret}\n"
            "deny = 0.0.0.0/0.0.0.0\n"
            "permit = 127.0.0.1/255.255.255.255\n" + shipped_ami_rights()
        )

    def extensions_conf(self) -> str:
        return (
            "[general]\n"
            "static = yes\n"
            "writeprotect = yes\n"
            "[globals]\n"
            f"SIM_SOUNDS = {SIM_SOUNDS}\n"
            "SIM_EARLY_KEY_DELAY = 1\n"
            f"SIM_GREETINGS = {self.greetings}\n"
            f"#include {self.etc}/dialplans/extensions.conf\n"
            f"#include {self.etc}/dialplans/lab/sim-members.conf\n"
            f"#include {self.etc}/dialplans/lab/sim-callers.conf\n"
        )


def shipped_ami_rights() -> str:
    """The rights (read, write, writetimeout) and event filters of the AMI user in
    docker/asterisk/manager.conf."""
    kept = []
    for line in SHIPPED_MANAGER_CONF.read_text().splitlines():
        if line.startswith(("read =", "write =", "writetimeout =", "eventfilter(")):
            kept.append(line + "\n")
    return "".join(kept)
