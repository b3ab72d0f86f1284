"""Static checks of the deployment files (no Docker engine runs here): docker-compose config,
healthchecks, non-root, the commands, the settings names and the Asterisk configuration."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from binalert.settings import FLAT_PBX_KEYS, Settings
from boot import cli
from ivr.ami import BOOT_EVENT
from ivr.dialer import AMI_EVENTS, AMI_EXCLUDED
from lab.chroot import chroot_dir

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
ASTERISK = DOCKER / "asterisk"
DIALPLANS = ROOT / "dialplans"
ENV_EXAMPLE = DOCKER / "binalert.env.example"
SERVICES = {"binalert", "worker", "postgres", "asterisk"}
BINALERT_SERVICES = ("binalert", "worker")

# Dialplan applications built into the Asterisk core (pbx_builtins.c): no module to load.
CORE_APPS = {
    "Answer", "Background", "BackGround", "Busy", "Congestion", "Goto", "GotoIf", "GotoIfTime",
    "Hangup", "NoOp", "Progress", "Ringing", "Set", "MSet", "Wait", "WaitExten", "WaitDigit",
}  # fmt: skip
APP_MODULES = {
    "AMD": "app_amd.so",
    "BackgroundDetect": "app_talkdetect.so",
    "Playback": "app_playback.so",
    "Read": "app_read.so",
    "UserEvent": "app_userevent.so",
    "WaitForSilence": "app_waitforsilence.so",
    "Verbose": "app_verbose.so",
    "Log": "app_verbose.so",
    "Gosub": "app_stack.so",
    "Return": "app_stack.so",
    "SendDTMF": "app_senddtmf.so",
    "Echo": "app_echo.so",
    "DBdel": "app_db.so",
    "DBdeltree": "app_db.so",
    "Dial": "app_dial.so",
}
FUNCTION_MODULES = {
    "DB": "func_db.so",
    "DB_EXISTS": "func_db.so",
    "DB_DELETE": "func_db.so",
    "IF": "func_logic.so",
    "ISNULL": "func_logic.so",
    "EXISTS": "func_logic.so",
    "LEN": "func_strings.so",
    "CHANNEL": "func_channel.so",
    "CALLERID": "func_callerid.so",
    "GLOBAL": "func_global.so",
    "MATH": "func_math.so",
    "TIMEOUT": "func_timeout.so",
    "HANGUPCAUSE": "func_hangupcause.so",
    "CURL": "func_curl.so",
    "FILTER": "func_strings.so",
    "PJSIP_HEADER": "res_pjsip_header_funcs.so",
    "PJSIP_PARSE_URI_FROM": "chan_pjsip.so",
    "PJSIP_ENDPOINT": "func_pjsip_endpoint.so",
    "GROUP": "func_groupcount.so",
    "GROUP_COUNT": "func_groupcount.so",
    "CUT": "func_cut.so",
    "FIELDQTY": "func_strings.so",
}
# Playback of an http(s) URL (BINALERT_MEDIA_BASE_URL), the WAV files, and one PJSIP trunk.
MEDIA_MODULES = {"res_http_media_cache.so", "res_curl.so", "format_wav.so", "codec_resample.so"}
TRUNK_MODULES = {
    "res_pjproject.so", "res_sorcery_config.so", "res_pjsip.so", "res_pjsip_session.so",
    "chan_pjsip.so", "res_pjsip_outbound_registration.so",
    "res_pjsip_outbound_authenticator_digest.so", "res_pjsip_sdp_rtp.so",
    "res_rtp_asterisk.so", "codec_alaw.so", "codec_ulaw.so",
}  # fmt: skip


# ---------------------------------------------------------------- docker-compose


def _compose_env() -> dict[str, str]:
    """A clean environment: variables of this shell must not fill in the compose file."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}


def _compose_config(env_file: Path) -> subprocess.CompletedProcess[str]:
    docker_compose = shutil.which("docker-compose")
    assert docker_compose, "docker-compose is missing: run `make system-deps` (deploy.list)"
    command = [docker_compose, "--env-file", str(env_file), "-f", str(DOCKER / "compose.yml")]
    return subprocess.run(
        [*command, "config"],
        cwd=ROOT,
        env=_compose_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@cache
def compose() -> dict[str, Any]:
    result = _compose_config(ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


def test_compose_config_succeeds_with_the_example_env_file() -> None:
    assert set(compose()["services"]) == SERVICES
    assert service("binalert")["environment"]["BINALERT_ENVIRONMENT"] == "production"


@pytest.mark.parametrize("secret", ["POSTGRES_PASSWORD", "BINALERT_AMI_SECRET", "TRUNK_PASSWORD"])
def test_compose_config_refuses_a_missing_secret(tmp_path: Path, secret: str) -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    env_file = tmp_path / "partial.env"
    env_file.write_text("\n".join(ln for ln in lines if not ln.startswith(f"{secret}=")) + "\n")
    result = _compose_config(env_file)
    assert result.returncode != 0
    assert secret in result.stderr


def test_every_service_has_a_healthcheck() -> None:
    for name, spec in compose()["services"].items():
        check = spec.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert check.get("interval") and check.get("timeout"), name


def test_depends_on_waits_for_healthy_services() -> None:
    for name, spec in compose()["services"].items():
        for other, condition in (spec.get("depends_on") or {}).items():
            assert condition == {"condition": "service_healthy"}, f"{name} -> {other}"
    assert set(service("binalert")["depends_on"]) == {"postgres", "asterisk"}
    assert set(service("worker")["depends_on"]) == {"binalert"}


def test_binalert_containers_run_as_non_root() -> None:
    users = [args for instruction, args in dockerfile() if instruction == "USER"]
    assert users, "docker/Dockerfile sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    for name in BINALERT_SERVICES:
        assert service(name).get("user") in (None, users[-1]), name


def test_the_api_healthcheck_hits_the_health_route() -> None:
    url = "http://127.0.0.1:8000/health"
    healthchecks = [args for instruction, args in dockerfile() if instruction == "HEALTHCHECK"]
    assert healthchecks and url in healthchecks[-1]
    assert url in " ".join(service("binalert")["healthcheck"]["test"])
    api_sources = " ".join(p.read_text() for p in (ROOT / "api").rglob("*.py"))
    assert '"/health"' in api_sources, "the API serves no /health route"


# ---------------------------------------------------------------- the commands


@cache
def dockerfile(path: Path = DOCKER / "Dockerfile") -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuations joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = [ln.strip() for ln in text.splitlines()]
    pairs = [ln.split(None, 1) for ln in lines if ln and not ln.startswith("#")]
    return [(p[0].upper(), p[1] if len(p) > 1 else "") for p in pairs]


def _invocations(argv: list[str]) -> list[list[str]]:
    """The `binalert ...` commands in an exec-form command (plain, or `sh -c "a && exec b"`)."""
    if argv[:2] == ["sh", "-c"]:
        parts = [shlex.split(p) for p in argv[2].split("&&")]
        commands = [p[1:] if p[:1] == ["exec"] else p for p in parts]
    else:
        commands = [argv]
    for command in commands:
        assert command[0] == "binalert", f"not a binalert command: {command}"
    return [command[1:] for command in commands]


def _parse_with_the_real_cli(args: list[str]) -> str:
    """Resolve args against `binalert`'s own Typer app; fails on an unknown command or option."""
    command: Any = typer.main.get_command(cli.app)
    context: Any = None
    rest, path = list(args), []
    while hasattr(command, "list_commands"):  # a group: descend to the subcommand
        name = rest.pop(0)
        context = typer.Context(command, info_name=" ".join(path) or "binalert", parent=context)
        sub = command.get_command(context, name)
        assert sub is not None, f"`binalert` has no command {' '.join([*path, name])}"
        command, path = sub, [*path, name]
    command.make_context(" ".join(path), rest, parent=context)  # raises a UsageError
    return " ".join(path)


def test_the_image_runs_the_commands_the_tests_run() -> None:
    cmds = [json.loads(args) for instruction, args in dockerfile() if instruction == "CMD"]
    assert cmds[-1] == service("binalert")["command"]
    invocations = _invocations(cmds[-1])
    assert invocations == [["db", "upgrade"], ["serve", "--host", "0.0.0.0"]]
    assert _invocations(service("worker")["command"]) == [["worker"]]
    assert _invocations(service("worker")["healthcheck"]["test"][1:]) == [["alive"]]
    for args in [*invocations, ["worker"], ["alive"]]:
        _parse_with_the_real_cli(args)


def test_an_unknown_command_would_be_caught() -> None:
    with pytest.raises(AssertionError, match="no command db migrate"):
        _parse_with_the_real_cli(["db", "migrate"])
    with pytest.raises(Exception, match="no-such-option"):
        _parse_with_the_real_cli(["serve", "--no-such-option"])


# ---------------------------------------------------------------- settings names


def _env_example() -> dict[str, str]:
    pairs = [ln.split("=", 1) for ln in ENV_EXAMPLE.read_text().splitlines() if "=" in ln]
    return {k.strip(): v for k, v in pairs if not k.lstrip().startswith("#")}


def _dockerfile_env() -> set[str]:
    tokens = [shlex.split(args) for instruction, args in dockerfile() if instruction == "ENV"]
    return {token.split("=", 1)[0] for group in tokens for token in group if "=" in token}


def test_every_binalert_variable_is_a_setting() -> None:
    names_of_settings = [*Settings.model_fields, *FLAT_PBX_KEYS.values()]
    fields = {f"BINALERT_{name.upper()}" for name in names_of_settings}
    names = set(_env_example()) | _dockerfile_env()
    for spec in compose()["services"].values():
        names |= set(spec.get("environment") or {})
    unknown = {n for n in names if n.startswith("BINALERT_")} - fields
    assert not unknown, f"not in binalert.settings.Settings: {sorted(unknown)}"


def test_the_compose_settings_load_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BINALERT_"):
            monkeypatch.delenv(name)
    for name, value in service("binalert")["environment"].items():
        monkeypatch.setenv(name, str(value))
    with pytest.raises(ValueError, match="example value"):  # docker/.env still as the example
        Settings(_env_file=None)  # type: ignore[call-arg]
    for name in ("BINALERT_AMI_SECRET", "BINALERT_SESSION_SECRET"):  # as the README says
        monkeypatch.setenv(name, secrets.token_hex(24))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.environment == "production"
    assert settings.pbxes[0].dial_template == "PJSIP/{e164}@trunk"
    assert settings.caller_id == f'"BIN" <{_env_example()["TRUNK_NUMBER"]}>'
    assert (
        settings.database_url.startswith("postgresql://") and "@postgres:" in settings.database_url
    )


def test_the_sounds_volume_is_shared_at_the_configured_paths() -> None:
    env = service("binalert")["environment"]
    binalert_mounts = _volume_targets("binalert")
    asterisk_mounts = _volume_targets("asterisk")
    assert binalert_mounts[env["BINALERT_SOUNDS_DIR"]] == ("sounds", False)
    assert asterisk_mounts[env["BINALERT_PBX_SOUNDS_DIR"]] == ("sounds", True)


def _volume_targets(name: str) -> dict[str, tuple[str, bool]]:
    """Mount target -> (source, read-only) of one service."""
    mounts = {}
    for volume in service(name)["volumes"]:
        source, target, *mode = volume.split(":")
        mounts[target] = (source, mode == ["ro"])
    return mounts


# ---------------------------------------------------------------- Asterisk


def asterisk_sections(path: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """An Asterisk .conf file as [(section, [(key, value), ...]), ...], comments dropped."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for raw in path.read_text().splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            sections.append((line[1 : line.index("]")], []))
        elif sections and ("=" in line) and not line.startswith("#"):
            key, value = re.split(r"\s*=>?\s*", line, maxsplit=1)
            sections[-1][1].append((key.strip(), value.strip()))
    return sections


def section(path: Path, name: str, kind: str | None = None) -> dict[str, list[str]]:
    for title, options in asterisk_sections(path):
        values: dict[str, list[str]] = {}
        for key, value in options:
            values.setdefault(key, []).append(value)
        if title == name and (kind is None or values.get("type") == [kind]):
            return values
    raise AssertionError(f"{path.name} has no [{name}] {kind or ''}")


def loaded_modules() -> set[str]:
    modules = section(ASTERISK / "modules.conf", "modules")
    assert modules.get("autoload") == ["no"], "modules.conf must list its modules"
    return set(modules["load"])


def dialplan_needs(path: Path) -> tuple[set[str], set[str]]:
    """The applications and functions a dialplan file uses."""
    apps, functions = set(), set()
    for _context, options in asterisk_sections(path):
        for key, value in options:
            if key not in ("exten", "same"):
                continue
            step = value.split(",", 2 if key == "exten" else 1)[-1]
            app = re.match(r"\s*([A-Za-z_]+)", step)
            assert app, f"no application in {value!r}"
            apps.add(app.group(1))
            functions |= set(re.findall(r"\b([A-Z][A-Z0-9_]*)\(", step[app.end() :]))
    return apps, functions


def _dialplan_files() -> list[Path]:
    return [DIALPLANS / "extensions.conf", ASTERISK / "extensions.conf"]


def test_the_dialplan_parser_finds_what_binalert_uses() -> None:
    apps, functions = dialplan_needs(DIALPLANS / "extensions.conf")
    assert {"BackgroundDetect", "Playback", "UserEvent", "WaitForSilence", "WaitExten"} <= apps
    assert "DB" in functions


@pytest.mark.parametrize("path", _dialplan_files(), ids=lambda p: p.parent.name)
def test_every_dialplan_application_and_function_is_loaded(path: Path) -> None:
    apps, functions = dialplan_needs(path)
    unknown = (apps - CORE_APPS - set(APP_MODULES)) | (functions - set(FUNCTION_MODULES))
    assert not unknown, f"add the module of {sorted(unknown)} to this test's tables"
    needed = {APP_MODULES[a] for a in apps - CORE_APPS} | {FUNCTION_MODULES[f] for f in functions}
    missing = needed - loaded_modules()
    assert not missing, f"docker/asterisk/modules.conf does not load {sorted(missing)}"


def test_the_media_and_trunk_modules_are_loaded() -> None:
    assert "pbx_config.so" in loaded_modules()
    assert not (MEDIA_MODULES | TRUNK_MODULES) - loaded_modules()


def test_the_loaded_modules_exist_in_asterisk() -> None:
    module_dir = chroot_dir() / "usr/lib/x86_64-linux-gnu/asterisk/modules"
    if not module_dir.is_dir():
        pytest.skip("the lab Asterisk chroot is not built (make pbx)")
    missing = {m for m in loaded_modules() if not (module_dir / m).exists()}
    assert not missing, f"Asterisk has no {sorted(missing)}"


def test_the_container_dialplan_includes_the_mounted_dialplan() -> None:
    mounts = _volume_targets("asterisk")
    source, read_only = mounts["/etc/asterisk/binalert"]
    assert Path(source) == DIALPLANS and read_only
    text = (ASTERISK / "extensions.conf").read_text()
    assert "#include /etc/asterisk/binalert/extensions.conf" in text.splitlines()
    for target, (source, read_only) in mounts.items():
        if source.startswith("/"):
            assert Path(source).exists() and read_only, f"{source} -> {target}"


# ---------------------------------------------------------------- AMI and the trunk


def _check_manager(path: Path) -> dict[str, list[str]]:
    general = section(path, "general")
    assert general["channelvars"] == ["BINALERT_CALL_ID"]
    user = section(path, "binalert")
    assert set(user["read"][0].split(",")) == {"system", "call", "user", "originate"}
    # #21 point 9: no `system` write (Originate Application=System, ModuleLoad, DBDel, ...)
    assert set(user["write"][0].split(",")) == {"call", "originate", "reporting"}
    include = "eventfilter(action(include),name({}))"
    included = {key for key in user if key.startswith(include[:-4])}
    assert included == {include.format(name) for name in (BOOT_EVENT, *AMI_EVENTS)}
    [other_half] = AMI_EXCLUDED
    assert user["eventfilter(action(exclude),header(Uniqueid),method(starts_with))"] == [
        other_half.removeprefix("Uniqueid: ")
    ]
    assert user["deny"] == ["0.0.0.0/0.0.0.0"]
    assert all(not p.startswith("0.0.0.0") for p in user["permit"])
    return general


def test_the_sample_manager_conf_binds_to_the_binalert_host_only() -> None:
    general = _check_manager(DIALPLANS / "manager.conf.sample")
    assert general["bindaddr"] == ["127.0.0.1"]
    assert section(DIALPLANS / "manager.conf.sample", "binalert")["permit"] == [
        "127.0.0.1/255.255.255.255"
    ]


def test_the_container_ami_admits_only_binalerts_own_network(tmp_path: Path) -> None:
    general = _check_manager(ASTERISK / "manager.conf")
    assert general["port"] == [service("binalert")["environment"]["BINALERT_AMI_PORT"]]
    rendered = render_templates(tmp_path, service("asterisk")["environment"])
    permit = ipaddress.ip_network(section(rendered / "manager.conf", "binalert")["permit"][0])
    subnet = compose()["networks"]["ami"]["ipam"]["config"][0]["subnet"]
    assert permit == ipaddress.ip_network(subnet)
    assert "5038" not in json.dumps(service("asterisk").get("ports", []))


def render_templates(tmp_path: Path, env: dict[str, Any]) -> Path:
    result = subprocess.run(
        ["sh", str(ASTERISK / "entrypoint.sh"), "true"],
        env={**_compose_env(), "ASTERISK_TEMPLATES": str(ASTERISK), "ASTERISK_ETC": str(tmp_path)}
        | {k: str(v) for k, v in env.items()},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_the_entrypoint_fills_in_every_template_variable(tmp_path: Path) -> None:
    env = service("asterisk")["environment"]
    rendered = render_templates(tmp_path, env)
    for name in ("manager.conf", "pjsip.conf"):
        text = (rendered / name).read_text()
        left = re.findall(r"[$][{][A-Z_]+}", text)
        assert not left, f"{name} still has {left}"
    auth = section(rendered / "pjsip.conf", "trunk-auth", "auth")
    assert auth["password"] == [env["TRUNK_PASSWORD"]]
    assert section(rendered / "manager.conf", "binalert")["secret"] == [env["BINALERT_AMI_SECRET"]]


@pytest.mark.parametrize("bad", [None, "abc;def"])
def test_the_entrypoint_refuses_a_missing_or_unsafe_secret(tmp_path: Path, bad: str | None) -> None:
    env = {k: str(v) for k, v in service("asterisk")["environment"].items()}
    env.pop("TRUNK_PASSWORD")
    if bad is not None:
        env["TRUNK_PASSWORD"] = bad
    with pytest.raises(AssertionError, match="TRUNK_PASSWORD"):
        render_templates(tmp_path, env)
    assert not (tmp_path / "pjsip.conf").exists()


@pytest.mark.parametrize("path", [ASTERISK / "pjsip.conf", DIALPLANS / "pjsip.conf.sample"])
def test_the_trunk_endpoint_matches_the_dial_template(path: Path) -> None:
    assert service("binalert")["environment"]["BINALERT_DIAL_TEMPLATE"].endswith("@trunk")
    endpoint = section(path, "trunk", "endpoint")
    assert endpoint["aors"] == ["trunk"] and endpoint["outbound_auth"] == ["trunk-auth"]
    assert endpoint["context"] != ["binalert-alert"]
    assert endpoint["callerid"][0].startswith('"BIN" <')
    section(path, "trunk", "aor")
    section(path, "trunk-auth", "auth")
    assert section(path, "trunk-registration", "registration")["outbound_auth"] == ["trunk-auth"]


def test_inbound_trunk_calls_have_a_context() -> None:
    context = section(ASTERISK / "pjsip.conf", "trunk", "endpoint")["context"][0]
    assert context in {name for name, _ in asterisk_sections(ASTERISK / "extensions.conf")}


def test_the_sample_caller_id_is_a_belgian_number() -> None:
    endpoint = section(DIALPLANS / "pjsip.conf.sample", "trunk", "endpoint")
    assert re.fullmatch(r'"BIN" <\+32\d{8,9}>', endpoint["callerid"][0])
    assert re.fullmatch(r"\+32\d{8,9}", _env_example()["TRUNK_NUMBER"])


def test_the_published_rtp_ports_are_the_ones_asterisk_uses() -> None:
    rtp = section(ASTERISK / "rtp.conf", "general")
    wanted = set(range(int(rtp["rtpstart"][0]), int(rtp["rtpend"][0]) + 1))
    ports = service("asterisk")["ports"]
    published = {p["published"] for p in ports if p["protocol"] == "udp"}
    assert wanted <= published


def test_the_image_moves_astdb_in_a_section_asterisk_reads(tmp_path: Path) -> None:
    """Debian's asterisk.conf holds the paths in a template, [directories](!), which Asterisk
    ignores: the image's edit must leave astdbdir in a real [directories] section."""
    from lab.chroot import ensure_chroot

    debian = ensure_chroot(log=False) / "etc" / "asterisk" / "asterisk.conf"
    conf = tmp_path / "asterisk.conf"
    conf.write_text(debian.read_text())
    instructions = dockerfile(ASTERISK / "Dockerfile")
    [run] = [args for op, args in instructions if op == "RUN" and "astdbdir" in args]
    edits = [cmd for cmd in run.split(";") if cmd.strip().startswith("sed -i")]
    assert edits, "the image edits asterisk.conf with sed"
    for edit in edits:
        argv = shlex.split(edit.replace("/etc/asterisk/asterisk.conf", str(conf)))
        subprocess.run(argv, check=True, timeout=10)
    header = None
    for raw in conf.read_text().splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            header = line
        elif line.startswith("astdbdir"):
            assert header == "[directories]", f"astdbdir is inside {header}, which is ignored"
            assert line.split("=>")[1].strip() == "/var/lib/asterisk/astdb"
            return
    raise AssertionError("no astdbdir in the image's asterisk.conf")


def test_only_binalert_reaches_the_ami_and_its_user_runs_no_commands() -> None:
    """#13 point 13: AMI_PERMIT is the internal `ami` network, which PostgreSQL does not
    join; the AMI user has no `command` (nor config/dialplan) right."""
    assert compose()["networks"]["ami"]["internal"] is True
    on_ami = {name for name, spec in compose()["services"].items() if "ami" in spec["networks"]}
    assert on_ami == {"binalert", "worker", "asterisk"}
    assert "binalert" not in service("asterisk")["networks"]
    rights = dict(
        line.split(" = ", 1)
        for line in (DOCKER / "asterisk" / "manager.conf").read_text().splitlines()
        if line.startswith(("read = ", "write = "))
    )
    for kind in ("read", "write"):
        assert not {"command", "config", "dialplan", "agi", "all"} & set(rights[kind].split(","))
    assert "system" not in rights["write"].split(",")  # #21 point 9: a shell on the PBX


def test_only_the_proxy_on_the_host_is_believed_about_the_client_address() -> None:
    """#21 point 8: "*" let any client write its own X-Forwarded-For (its address for
    /metrics, /media and the audit log). Only the `binalert` network's gateway, where the TLS
    proxy on the host comes from, is believed; the compose file says the proxy overwrites."""
    trusted = service("binalert")["environment"]["BINALERT_FORWARDED_ALLOW_IPS"]
    [network] = compose()["networks"]["binalert"]["ipam"]["config"]
    assert ipaddress.ip_address(trusted) == ipaddress.ip_address(network["gateway"])
    assert ipaddress.ip_address(trusted) in ipaddress.ip_network(network["subnet"])
    assert service("binalert")["ports"] == ["127.0.0.1:8000:8000/tcp"]  # the host's proxy only
    text = (DOCKER / "compose.yml").read_text()
    assert "OVERWRITE" in text and '"*"' not in text.split("BINALERT_FORWARDED_ALLOW_IPS:")[1][:40]


# ---------------------------------------------------------------- supply chain (#21 point 12)

LOCKS = ROOT / "requirements"
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)")


def _locked(path: Path) -> dict[str, list[str]]:
    """package -> its --hash values, for every requirement of a lock file."""
    found: dict[str, list[str]] = {}
    text = re.sub(r"\\\n", " ", path.read_text())
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PINNED.match(line)
        assert match, f"{path.name}: not pinned with ==: {line[:60]}"
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        found.setdefault(name, []).extend(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    return found


def _names(requirements: list[str]) -> set[str]:
    bare = (re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0] for r in requirements)
    return {re.sub(r"[-_.]+", "-", name).lower() for name in bare}


@pytest.mark.parametrize(("lock", "extra"), [("runtime", None), ("piper", "piper"), ("dev", "dev")])
def test_each_lock_pins_every_package_with_its_hashes(lock: str, extra: str | None) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = _locked(LOCKS / f"{lock}.txt")
    missing_hash = sorted(name for name, hashes in locked.items() if not hashes)
    assert not missing_hash, f"{lock}.txt: no hash for {missing_hash}"
    wanted = _names(project["dependencies"]) | {"setuptools", "pip"}  # requirements/build.in
    if extra:
        wanted |= _names(project["optional-dependencies"][extra])
    assert wanted <= set(locked), f"{lock}.txt lacks {sorted(wanted - set(locked))}"


def test_make_and_the_image_install_from_the_locks_with_hashes_only() -> None:
    make = (ROOT / "Makefile").read_text()
    recipe = make.split("$(VENV)/.installed:", 1)[1].split("\n\n", 1)[0]
    pip_lines = [line.strip() for line in recipe.splitlines() if "pip install" in line]
    assert pip_lines[0].endswith("--require-hashes -r requirements/dev.txt"), pip_lines
    assert "--no-deps" in pip_lines[1] and pip_lines[1].endswith("-e ."), pip_lines
    assert len(pip_lines) == 2  # nothing else is resolved from an index
    [run] = [args for op, args in dockerfile() if op == "RUN" and "pip install" in args]
    installs = [cmd.strip() for cmd in run.split(";") if "pip install" in cmd]
    assert '--require-hashes -r "/usr/src/binalert/requirements/$lock.txt"' in installs[0]
    assert all("--no-deps" in cmd for cmd in installs[1:]) and len(installs) == 2
    assert ("COPY", "requirements /usr/src/binalert/requirements") in dockerfile()


@pytest.mark.parametrize("path", [DOCKER / "Dockerfile", ASTERISK / "Dockerfile"])
def test_the_base_images_are_pinned_by_digest(path: Path) -> None:
    bases = [args for op, args in dockerfile(path) if op == "FROM"]
    assert bases
    for base in bases:
        assert re.fullmatch(r"[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}", base), base
