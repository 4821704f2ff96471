import CLI
PDScope.runMain()
