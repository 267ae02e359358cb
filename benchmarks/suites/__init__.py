"""The built-in suites, one per paper: each sub-package ``benchmarks/suites/<paper>/`` (or, still, a single module)
exposes ``SUITE``. ``benchmarks.registry.suite_modules`` finds them with pkgutil (names starting with "_" are
skipped; ``CLAIMBENCH_SUITES`` restricts them, ``CLAIMBENCH_PLUGINS`` adds modules from elsewhere). Nothing else
belongs here: importing this package must stay cheap."""
