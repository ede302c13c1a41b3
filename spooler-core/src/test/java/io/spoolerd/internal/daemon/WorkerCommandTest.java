package io.spoolerd.internal.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spoolerd.internal.worker.WorkerMain;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerCommandTest {

    @TempDir
    Path tmp;

    @Test
    void javaTheWorkerOptionsTheClassPathAndWorkerMain() {
        // the test class path has directories (target/classes): no class-data archive for it
        DaemonConfig config = DaemonConfig.builder().spoolDir(tmp.resolve("spool")).classpath(Path.of("tasks.jar"))
                .workerJvmOpts(List.of("-Xmx64m", "-Dx=y")).build();
        List<String> expected = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Dx=y", "-cp"));
        expected.add(System.getProperty("java.class.path") + File.pathSeparator + Path.of("tasks.jar").toAbsolutePath());
        expected.add(WorkerMain.class.getName());
        assertEquals(expected, WorkerCommand.of(config).command());
        assertEquals(DaemonConfig.DEFAULT_WORKER_JVM_OPTS, DaemonConfig.builder().build().workerJvmOpts);
    }
}
