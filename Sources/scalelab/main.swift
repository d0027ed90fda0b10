import ScaleLabCLI
ScaleLabCommand.main()
