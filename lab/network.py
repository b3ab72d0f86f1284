"""The lab's phone network: binalert's PBX with the production configuration the project ships
(docker/asterisk/*.conf, its module list and trunk template) reaching the simulated members
over a real SIP trunk on a second Asterisk, the carrier (SIP, G.711 RTP, RFC 4733 keys, SIP
error responses, all on the loopback).

Only what must differ on a shared machine is changed in the shipped files, and said here:
ports and bind addresses (loopback, free ports), the folders (each instance its own), the path
of the included dialplan, and the secrets the container's entrypoint fills in.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lab.config import MODULES, LabInstance

PROJECT = Path(__file__).resolve().parents[1]
SHIPPED = PROJECT / "docker" / "asterisk"
TRUNK_USERNAME = "binalert-lab"
TRUNK_NUMBER = "+3250000099"  # the BIN number "assigned to the trunk" by the lab carrier
CALL_BACK_CONTEXT = "lab-calls-binalert"  # on the carrier: a member rings the BIN number
# ... the same call, but the network does not vouch for the number (From only, no PAI)
UNASSERTED_CALL_BACK_CONTEXT = "lab-calls-binalert-unasserted"
# ... a stranger (FORGER_NUMBER) writes the member's number into the From's display name
FORGED_CALL_BACK_CONTEXT = "lab-calls-binalert-forged"
FORGER_NUMBER = "+3227778899"
CARRIER_MODULES = (
    *MODULES,
    "res_timing_timerfd.so",
    "res_pjproject.so",
    "res_sorcery_config.so",
    "res_sorcery_memory.so",
    "res_sorcery_astdb.so",
    "res_pjsip.so",
    "res_pjsip_session.so",
    "res_pjsip_pubsub.so",
    "chan_pjsip.so",
    "res_pjsip_registrar.so",
    "res_pjsip_authenticator_digest.so",
    "res_pjsip_endpoint_identifier_user.so",
    "res_pjsip_caller_id.so",
    "res_pjsip_sdp_rtp.so",
    "res_pjsip_rfc3326.so",
    "res_pjsip_header_funcs.so",
    "res_rtp_asterisk.so",
    "app_mixmonitor.so",
    "app_playtones.so",  # simulated people "talk" in steady tones a recording can tell apart
    "app_dial.so",  # a simulated member calls the BIN number back (lab-calls-binalert)
    "res_clioriginate.so",  # ... started by a test with `channel originate`
)


@dataclass(frozen=True)
class ProductionInstance(LabInstance):
    """binalert's PBX as docker/asterisk configures it, its trunk pointing at the carrier."""

    sip_port: int = 5160
    rtp_start: int = 20000
    carrier_port: int = 5161
    trunk_password: str = "lab-trunk-password"
    drop_modules: tuple[str, ...] = ()  # tests: the shipped list with these lines left out

    def files(self) -> dict[str, str]:
        rendered = self._rendered()
        return {
            "asterisk.conf": self.asterisk_conf(),
            "modules.conf": self._modules(),
            "manager.conf": _sub(
                rendered["manager.conf"],
                (r"(?m)^port = 5038$", f"port = {self.ami_port}"),
                (r"(?m)^bindaddr = 0\.0\.0\.0$", "bindaddr = 127.0.0.1"),
            ),
            "pjsip.conf": _sub(
                rendered["pjsip.conf"],
                (r"(?m)^bind = 0\.0\.0\.0:5060$", f"bind = 127.0.0.1:{self.sip_port}"),
            ),
            "rtp.conf": _rtp_range((SHIPPED / "rtp.conf").read_text(), self.rtp_start),
            "extensions.conf": _sub(
                (SHIPPED / "extensions.conf").read_text(),
                (r"(?m)^#include /etc/asterisk/binalert/", f"#include {self.etc}/dialplans/"),
            ),
            "logger.conf": "[general]\n[logfiles]\nmessages.log => notice,warning,error\n",
            "http.conf": (SHIPPED / "http.conf").read_text(),
        }

    def _modules(self) -> str:
        lines = (SHIPPED / "modules.conf").read_text().splitlines(keepends=True)
        dropped = {f"load => {module}" for module in self.drop_modules}
        return "".join(line for line in lines if line.strip() not in dropped)

    def _rendered(self) -> dict[str, str]:
        """manager.conf and pjsip.conf as the container's entrypoint renders them."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "BINALERT_AMI_SECRET": self.ami_secret,
            "AMI_PERMIT": "127.0.0.1/255.255.255.255",
            "TRUNK_HOST": f"127.0.0.1:{self.carrier_port}",
            "TRUNK_USERNAME": TRUNK_USERNAME,
            "TRUNK_PASSWORD": self.trunk_password,
            "TRUNK_NUMBER": TRUNK_NUMBER,
            "EXTERNAL_ADDRESS": "127.0.0.1",
        }
        with tempfile.TemporaryDirectory() as out:
            env |= {"ASTERISK_TEMPLATES": str(SHIPPED), "ASTERISK_ETC": out}
            subprocess.run(
                ["sh", str(SHIPPED / "entrypoint.sh"), "true"],
                env=env,
                check=True,
                capture_output=True,
                timeout=30,
            )
            return {name: (Path(out) / name).read_text() for name in ("manager.conf", "pjsip.conf")}


@dataclass(frozen=True)
class CarrierInstance(LabInstance):
    """The phone network: takes binalert's trunk registration and calls, and puts each call
    through to a simulated member (dialplans/lab/sim-members.conf) by its number."""

    sip_port: int = 5161
    rtp_start: int = 24000
    trunk_password: str = "lab-trunk-password"

    @property
    def recordings(self) -> str:
        """What each member heard (MixMonitor, the audio binalert sent), one file per number."""
        return f"{self.var}/heard"

    def files(self) -> dict[str, str]:
        files = super().files()
        files |= {
            "modules.conf": "[modules]\nautoload = no\n"
            + "".join(f"load => {m}\n" for m in CARRIER_MODULES),
            "manager.conf": "[general]\nenabled = no\n",
            "pjsip.conf": self.pjsip_conf(),
            "rtp.conf": _rtp_range("[general]\nrtpstart = 0\nrtpend = 0\n", self.rtp_start),
            "extensions.conf": self.extensions_conf() + self.carrier_dialplan(),
        }
        return files

    def pjsip_conf(self) -> str:
        user = TRUNK_USERNAME
        return (
            "[transport-udp]\ntype = transport\nprotocol = udp\n"
            f"bind = 127.0.0.1:{self.sip_port}\n"
            f"[{user}-auth]\ntype = auth\nauth_type = userpass\n"
            f"username = {user}\npassword = {self.trunk_password}\n"
            f"[{user}]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\n"
            f"[{user}]\ntype = endpoint\ntransport = transport-udp\ncontext = carrier-in\n"
            "disallow = all\nallow = alaw,ulaw\n"
            f"auth = {user}-auth\naors = {user}\n"
            "identify_by = username,auth_username\ndtmf_mode = rfc4733\n"
            "rtp_symmetric = yes\ndirect_media = no\ntrust_id_inbound = yes\n"
        )

    def carrier_dialplan(self) -> str:
        return (
            "[carrier-in]\n"
            "; A call for +32...: note what the network received (From, P-Asserted-Identity),\n"
            "; record what the member hears, and put it through to the member of that number.\n"
            "exten => _+32X.,1,Set(NUMBER=0${EXTEN:3})\n"
            " same => n,Set(DB(carrier_from/${NUMBER})=${PJSIP_HEADER(read,From)})\n"
            " same => n,Set(DB(carrier_pai/${NUMBER})=${PJSIP_HEADER(read,P-Asserted-Identity)})\n"
            f" same => n,MixMonitor({self.recordings}/both-${{NUMBER}}.wav,"
            f"r({self.recordings}/heard-${{NUMBER}}.wav))\n"
            " same => n,Goto(binalert-sim-members,${NUMBER},1)\n"
            f"[{CALL_BACK_CONTEXT}]\n"
            "; A simulated member calls the BIN number back over the trunk: the network\n"
            "; shows their number in From and asserts it (P-Asserted-Identity), as a\n"
            "; carrier does for its own subscribers (lab.sim.SimCaller). What they do is the\n"
            "; Local channel's other half (binalert-sim-callers); what they hear is recorded,\n"
            "; callback-heard-<number>.\n"
            'exten => _0X.,1,Set(CALLERID(all)="Member" <+32${EXTEN:1}>)\n'
            f" same => n,Dial(PJSIP/{TRUNK_NUMBER}@{TRUNK_USERNAME},30,"
            "b(lab-record-call-back^s^1(${EXTEN}^+32${EXTEN:1})))\n"
            "; how binalert's PBX answered (BUSY 17 when it is full): AstDB call_back/<number>\n"
            " same => n,Set(DB(call_back/${EXTEN})=${DIALSTATUS} ${HANGUPCAUSE})\n"
            " same => n,Hangup()\n"
            f"[{UNASSERTED_CALL_BACK_CONTEXT}]\n"
            "; The same, but the network asserts nothing: the From (the member's number) is\n"
            "; what the caller's equipment wrote (a SIP account, a call from abroad).\n"
            'exten => _0X.,1,Set(CALLERID(all)="Member" <+32${EXTEN:1}>)\n'
            f" same => n,Dial(PJSIP/{TRUNK_NUMBER}@{TRUNK_USERNAME},30,"
            "b(lab-record-call-back^s^1(${EXTEN})))\n"
            " same => n,Hangup()\n"
            f"[{FORGED_CALL_BACK_CONTEXT}]\n"
            f"; The display-name trick: a stranger ({FORGER_NUMBER}) calls with the member's\n"
            '; number as a SIP URI in the From\'s display name, "sip:+32..." <sip:stranger@...>;\n'
            "; the network asserts nothing.\n"
            "exten => _0X.,1,Set(CALLERID(name)=sip:+32${EXTEN:1})\n"
            f" same => n,Set(CALLERID(num)={FORGER_NUMBER})\n"
            f" same => n,Dial(PJSIP/{TRUNK_NUMBER}@{TRUNK_USERNAME},30,"
            "b(lab-record-call-back^s^1(${EXTEN})))\n"
            " same => n,Hangup()\n"
            "[lab-record-call-back]\n"
            "; On the call to binalert: record it; with a number (ARG2), assert it.\n"
            f"exten => s,1,MixMonitor({self.recordings}/callback-both-${{ARG1}}.wav,"
            f"r({self.recordings}/callback-heard-${{ARG1}}.wav))\n"
            ' same => n,GotoIf($["${ARG2}" = ""]?done)\n'
            " same => n,Set(PJSIP_HEADER(add,P-Asserted-Identity)=<sip:${ARG2}@carrier.lab>)\n"
            " same => n(done),Return()\n"
        )


def _sub(text: str, *changes: tuple[str, str]) -> str:
    for pattern, replacement in changes:
        text, count = re.subn(pattern, replacement, text)
        if count != 1:
            raise ValueError(f"the shipped configuration changed: {pattern!r} matched {count}x")
    return text


RTP_SPAN = 2000
"""RTP ports of one lab Asterisk: 2 a call, so 1,000 calls at once (the capacity tests take 500)."""


def _rtp_range(text: str, start: int) -> str:
    return _sub(
        text,
        (r"(?m)^rtpstart = \d+$", f"rtpstart = {start}"),
        (r"(?m)^rtpend = \d+$", f"rtpend = {start + RTP_SPAN - 1}"),
    )
