"""The script AWS's container runs first: what it installs, and what it leaves to the image."""

from __future__ import annotations

import subprocess

from report.sagemaker.entry import project_folder, select_requirements


def test_the_entry_script_installs_neither_test_tools_nor_a_second_tensorflow():
    requirements = [
        'tensorflow-cpu<2.22,>=2.16; sys_platform == "linux"',
        "numpy>=1.26",
        "weasyprint<71,>=62",
        'pytest>=8; extra == "test"',
    ]
    assert select_requirements(requirements, tensorflow_installed=True) == ["numpy>=1.26", "weasyprint<71,>=62"]
    assert select_requirements(requirements, tensorflow_installed=False)[0].startswith("tensorflow-cpu")


def test_the_entry_script_installs_the_fonts_when_they_are_missing_even_with_pango(tmp_path, monkeypatch):
    """AWS's TensorFlow image has Pango but not the DejaVu fonts: the fonts' presence, asked of fontconfig, decides."""
    from report.sagemaker import entry

    assert entry.missing_system_parts() == []  # this machine has Pango and the fonts (setup.sh installs them)
    # fontconfig with no font folder at all: Pango is still here, the fonts are not.
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><fontconfig><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n')
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    assert entry.missing_system_parts() == ["DejaVu Serif", "DejaVu Sans", "DejaVu Sans Mono"]

    commands = []
    real_run = subprocess.run

    def run(command, **options):
        if command[0] == "fc-list":
            return real_run(command, **options)
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(entry.subprocess, "run", run)
    monkeypatch.setattr(entry.os, "geteuid", lambda: 0)
    monkeypatch.setattr(
        entry.shutil, "which", lambda name: f"/usr/bin/{name}" if name in ("apt-get", "fc-list") else None
    )
    entry._install_system_packages()
    assert commands[0] == ["apt-get", "update", "-qq"]
    assert commands[1][:2] == ["apt-get", "install"] and "fonts-dejavu-core" in commands[1]
    # On an Amazon Linux image (dnf), its own package names.
    commands.clear()
    monkeypatch.setattr(entry.shutil, "which", lambda name: f"/usr/bin/{name}" if name in ("dnf", "fc-list") else None)
    entry._install_system_packages()
    assert commands == [
        ["dnf", "install", "-y", "-q", "pango", "dejavu-serif-fonts", "dejavu-sans-fonts", "dejavu-sans-mono-fonts"]
    ]


def test_the_entry_script_builds_from_the_packed_project(tmp_path):
    assert project_folder(str(tmp_path)) is None
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "cnn-report.toml").write_text("")
    assert project_folder(str(tmp_path)) == str(tmp_path / "project")
