package io.spoolerd.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code spoolerd} command: only subcommands, help and version. */
@Command(name = "spoolerd",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "A durable, bounded file spooler: producers drop job files into a spool directory, "
                    + "a daemon runs them on a fixed pool of worker processes.",
        },
        subcommands = {
            StartCommand.class,
            SubmitCommand.class,
            StatusCommand.class,
            ListCommand.class,
            ShowCommand.class,
            CancelCommand.class,
            RetryCommand.class,
            PurgeCommand.class,
            StopCommand.class,
            CommandLine.HelpCommand.class,
            AutoComplete.GenerateCompletion.class,
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:runtime error",
            "2:bad usage",
            "3:no live daemon on the spool directory",
            "75:the spool is full",
        })
public final class SpoolerdCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** The configured command line, as {@link Main} and the tests use it. */
    public static CommandLine commandLine() {
        ExitCodes codes = new ExitCodes();
        CommandLine cmd = new CommandLine(new SpoolerdCommand());
        cmd.setExecutionExceptionHandler(codes);
        cmd.setParameterExceptionHandler(codes);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        // 'source <(spoolerd generate-completion)': bash and zsh completion, not listed in --help
        cmd.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(true);
        return cmd;
    }
}
