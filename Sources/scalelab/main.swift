import ScaleLabCLI
ScaleLabCommand.runAndExit()
