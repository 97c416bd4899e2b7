from bar.cli import main

main()
