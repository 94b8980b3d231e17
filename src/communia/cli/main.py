"""The ``communia`` command.

A thin adapter: parse, call one library function, print. Heavy imports stay inside the
command functions so that ``communia --help`` starts fast. Errors are ``CommuniaError``
instances, printed once here in French with their exit code.
"""

from __future__ import annotations

import sys

import click

from communia.cli.i18n import t
from communia.core.errors import CommuniaError

__all__ = ["cli", "main"]


# Command groups of the core services, as "package.module:attribute", imported lazily.
CORE_GROUPS: dict[str, str] = {
    "documents": "communia.core.documents.cli:documents_group",
    "jobs": "communia.core.jobs.cli:jobs_group",
    "llm": "communia.core.llm.cli:llm_group",
    "privacy": "communia.core.privacy.cli:privacy_group",
    "speech": "communia.core.speech.cli:speech_group",
    "voice": "communia.core.speech.cli:voice_group",
}


class CommuniaGroup(click.Group):
    """Root group: adds core-service and module command groups lazily; translates errors."""

    def _module_commands(self) -> dict[str, click.Command]:
        import importlib

        from communia.core.registry import load_modules

        commands = {}
        for name, target in CORE_GROUPS.items():
            module_path, _, attr = target.partition(":")
            commands[name] = getattr(importlib.import_module(module_path), attr)
        for module in load_modules():
            if module.cli is not None:
                commands[module.name] = module.cli()
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._module_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        return self._module_commands().get(cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CommuniaError as exc:
            click.echo(f"Erreur : {exc.message}", err=True)
            ctx.exit(exc.exit_code)


@click.group(
    cls=CommuniaGroup,
    help=t(
        "Communia : l'IA souveraine des communes. Chaque commande accepte --help.",
        "Communia: sovereign AI for French communes. Every command accepts --help.",
    ),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="communia", message="communia %(version)s")
def cli() -> None:
    pass


def main() -> None:
    try:
        cli(standalone_mode=True)
    except CommuniaError as exc:  # raised outside a command (e.g. while loading modules)
        click.echo(f"Erreur : {exc.message}", err=True)
        sys.exit(exc.exit_code)


def _register_core() -> None:
    from communia.cli.core_commands import register

    register(cli)


_register_core()
