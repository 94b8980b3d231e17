"""Use-case modules. Each package exposes ``MODULE`` (see ``communia.core.registry``).

The module list is one tuple; its order is the order on the home page and in the CLI.
"""

MODULE_PACKAGES: tuple[str, ...] = (
    "communia.modules.assistant",
    "communia.modules.water",
    "communia.modules.canteen",
    "communia.modules.usecases",
)
