from koptrack.cli import main

main()
