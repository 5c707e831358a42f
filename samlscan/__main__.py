from samlscan.cli import run

run()
