from samlscan.cli import main

main()
