"""The ``gkml`` command itself: help, exit codes, logging."""

import json
import logging

from conftest import FIXTURES

from gkml.cli import main


def test_cli_help_and_schema(capsys):
    try:
        main(["--help"])
    except SystemExit as e:
        assert e.code == 0
    assert "gkml predict" in capsys.readouterr().out
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "t3.new.total" in schema["properties"]["cells"]["propertyNames"]["enum"]
    assert main(["eval", "--pred", "/nonexistent.jsonl", "--gold", str(FIXTURES)]) == 1


def test_labels_prints_one_entity_type_per_line(capsys):
    assert main(["labels"]) == 0
    assert "T3\tt3.new.total" in capsys.readouterr().out.splitlines()


def test_quiet_keeps_warnings_and_drops_information(capsys):
    main(["schema", "-q"])
    capsys.readouterr()
    log = logging.getLogger("gkml.test")
    log.info("told")
    log.warning("warned")
    err = capsys.readouterr().err
    assert "told" not in err
    assert "warning: warned" in err


def test_an_error_is_one_line_on_stderr_and_exit_code_1(capsys):
    assert main(["eval", "--pred", "/nonexistent.jsonl", "--gold", str(FIXTURES)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
