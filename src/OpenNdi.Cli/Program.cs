using OpenNdi.Cli;

// ndi: the OpenNdi administration tool. Each command is one file; NdiCommands wires them up.
return await NdiCommands.Root().Parse(args).InvokeAsync();
