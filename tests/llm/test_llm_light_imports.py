"""The gateway, its CLI and its router import without loading the model runtime."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_gateway_does_not_load_the_runtime():
    code = (
        "import sys, communia.core.llm, communia.core.llm.cli, communia.core.llm.api;"
        "print('xllamacpp' in sys.modules, 'jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_cli_group_help_is_french():
    from click.testing import CliRunner

    from communia.core.llm.cli import llm_group

    result = CliRunner().invoke(llm_group, ["--help"], env={"COMMUNIA_LANG": "fr"})
    assert result.exit_code == 0
    assert "install-model" in result.output and "bench" in result.output


def test_registered_cli_group_keeps_communia_help_light():
    code = (
        "import sys; from click.testing import CliRunner; from communia.cli import main as m;"
        "m.CORE_GROUPS['llm'] = 'communia.core.llm.cli:llm_group';"
        "r = CliRunner().invoke(m.cli, ['--help']); assert r.exit_code == 0 and 'llm' in r.output;"
        "r = CliRunner().invoke(m.cli, ['llm', '--help']); assert 'install-model' in r.output;"
        "print(any(x in sys.modules for x in ('xllamacpp', 'jsonschema')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
