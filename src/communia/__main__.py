from communia.cli.main import main

main()
