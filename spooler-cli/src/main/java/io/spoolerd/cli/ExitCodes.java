package io.spoolerd.cli;

import io.spoolerd.DuplicateJobException;
import io.spoolerd.InvalidJobException;
import io.spoolerd.SpoolFullException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** The one place exceptions become exit codes and one-line messages (SPEC §6). */
final class ExitCodes implements IExecutionExceptionHandler, IParameterExceptionHandler {

    static final int OK = 0;
    static final int RUNTIME_ERROR = 1;
    static final int USAGE = 2;
    static final int NO_DAEMON = 3;
    static final int SPOOL_FULL = 75;

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr().println("spoolerd: " + message(e) + hint(cmd));
        cmd.getErr().flush();
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parseResult) {
        int code = codeOf(e);
        // a usage error found after parsing reads like one found while parsing
        cmd.getErr().println("spoolerd: " + message(e) + (code == USAGE ? hint(cmd) : ""));
        if (Boolean.getBoolean("spoolerd.debug")) {
            e.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return code;
    }

    /** Where to read more, on the error's own line: an error is one line (SPEC §6). */
    private static String hint(CommandLine cmd) {
        return " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')";
    }

    static int codeOf(Throwable e) {
        if (e instanceof SpoolFullException) {
            return SPOOL_FULL;
        }
        if (e instanceof UsageException || e instanceof InvalidJobException || e instanceof IllegalArgumentException) {
            return USAGE;
        }
        if (e instanceof NoDaemonException) {
            return NO_DAEMON;
        }
        if (e instanceof DuplicateJobException) {
            return RUNTIME_ERROR;
        }
        return RUNTIME_ERROR;
    }

    static String message(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null && u.getMessage() == null) {
            return message(u.getCause());
        }
        if (e instanceof FileSystemException f) {
            String reason = f.getReason() == null ? "" : ": " + f.getReason();
            return f.getFile() + reason + (f.getOtherFile() == null ? "" : " (" + f.getOtherFile() + ")");
        }
        if (e instanceof IOException && e.getMessage() == null) {
            return e.getClass().getSimpleName();
        }
        String m = e.getMessage();
        if (m != null && m.startsWith("Error: ")) {
            m = m.substring("Error: ".length()); // picocli's, after our own "spoolerd: "
        }
        return m == null ? e.getClass().getSimpleName() : m.replaceAll("\\s*\\R\\s*", " ");
    }

    /** A mistake in how the command was called, found after parsing. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** The command needs a live daemon on the spool directory and found none. */
    static final class NoDaemonException extends RuntimeException {
        NoDaemonException(String message) {
            super(message);
        }
    }
}
