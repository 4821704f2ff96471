import CLI
PDScope.main()
