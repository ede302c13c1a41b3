package io.spoolerd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pieces of the distribution archive that are not Java: the launcher and the systemd unit. */
class PackagingTest {

    static final Path PACKAGING = Path.of("..", "packaging");

    @TempDir
    Path tmp;

    @Test
    void launcherRunsTheJarNextToItselfThroughSymlinks() throws Exception {
        Path home = tmp.resolve("opt/spoolerd-1.0");
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib"));
        Path launcher = Files.copy(PACKAGING.resolve("bin/spoolerd"), home.resolve("bin/spoolerd"));
        assertTrue(Files.isExecutable(PACKAGING.resolve("bin/spoolerd")), "the launcher is executable in git");
        Files.createSymbolicLink(tmp.resolve("opt/spoolerd"), home);
        Files.createDirectories(tmp.resolve("usr/bin"));
        Files.createSymbolicLink(tmp.resolve("usr/bin/spoolerd"), tmp.resolve("opt/spoolerd/bin/spoolerd"));
        // a stand-in JDK whose java prints its arguments
        Path java = tmp.resolve("jdk/bin/java");
        Files.createDirectories(java.getParent());
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));

        ProcessBuilder pb = new ProcessBuilder(tmp.resolve("usr/bin/spoolerd").toString(), "status", "--spool-dir", "a b")
                .directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        pb.environment().put("SPOOLERD_JAVA_OPTS", "-Xmx64m");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        List<String> args = out.lines().toList();
        int jar = args.indexOf("-jar");
        assertTrue(jar > 0, out);
        assertEquals(home.toRealPath().resolve("lib/spoolerd.jar").toString(), args.get(jar + 1));
        assertEquals(List.of("status", "--spool-dir", "a b"), args.subList(jar + 2, args.size()));
        assertTrue(args.contains("-Xmx64m"), out);
        assertTrue(Files.isRegularFile(launcher));
    }

    @Test
    void launcherGivesTheDaemonASmallHeapAndTrimsTheNativeOneWhereTheJvmCan() throws Exception {
        Path home = tmp.resolve("opt/spoolerd");
        Files.createDirectories(home.resolve("lib"));
        Path launcher = Files.copy(PACKAGING.resolve("bin/spoolerd"), Files.createDirectories(home.resolve("bin")).resolve("spoolerd"));
        for (boolean knowsTrim : new boolean[] {true, false}) {
            // a stand-in JDK whose java prints its arguments, and refuses the trim option when it is too old for it
            Path java = tmp.resolve("jdk-" + knowsTrim + "/bin/java");
            Files.createDirectories(java.getParent());
            Files.writeString(java, "#!/bin/sh\n"
                    + (knowsTrim ? "" : "case \"$1\" in -XX:TrimNativeHeapInterval=*) exit 1 ;; esac\n")
                    + "printf '%s\\n' \"$@\"\n");
            Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
            for (String command : List.of("start", "status")) {
                ProcessBuilder pb = new ProcessBuilder(launcher.toString(), command).redirectErrorStream(true);
                pb.environment().put("JAVA_HOME", java.getParent().getParent().toString());
                pb.environment().remove("SPOOLERD_JAVA_OPTS");
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), out);
                List<String> args = out.lines().toList();
                List<String> jvm = args.subList(0, args.indexOf("-jar"));
                boolean start = command.equals("start");
                assertEquals(start, jvm.contains("-Xms16m"), command + ": " + jvm);
                assertEquals(start && knowsTrim, jvm.contains("-XX:TrimNativeHeapInterval=5000"), command + ": " + jvm);
                assertTrue(jvm.contains("-XX:+UseSerialGC"), jvm.toString());
            }
        }
    }

    @Test
    void systemdUnitStopsGracefully() throws IOException {
        List<String> unit = Files.readAllLines(PACKAGING.resolve("spoolerd.service"));
        for (String line : List.of("Type=simple",
                "ExecStart=/opt/spoolerd/bin/spoolerd start --spool-dir /var/spool/spoolerd --processes 4",
                "KillSignal=SIGTERM", "KillMode=mixed", "TimeoutStopSec=45", "Restart=on-failure",
                "WantedBy=multi-user.target")) {
            assertTrue(unit.contains(line), line);
        }
    }
}
