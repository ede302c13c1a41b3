package io.spoolerd.internal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the worker's writer puts on the wire, and when. */
class WorkerProtocolWriterTest {

    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    private final WorkerProtocol.Writer writer = new WorkerProtocol.Writer(wire);

    private List<String> ops() {
        synchronized (wire) {
            return wire.toString(StandardCharsets.UTF_8).lines().map(l -> WorkerProtocol.parse(l).op()).toList();
        }
    }

    private List<String> awaitOps(List<String> expected) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!ops().equals(expected) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return ops();
    }

    private static WireMessage start() {
        return WorkerProtocol.message(WorkerProtocol.START).put("name", "a.json");
    }

    private static WireMessage result() {
        return WorkerProtocol.message(WorkerProtocol.RESULT).put("name", "a.json").put("outcome", "ok");
    }

    @Test
    void aShortJobCostsOneMessage() throws IOException {
        writer.sendStart(start());
        writer.send(result());
        assertEquals(List.of("result"), ops());
    }

    @Test
    void aLongJobIsReportedStartedSoonWithoutAnotherMessage() throws IOException {
        writer.sendStart(start());
        assertEquals(List.of("start"), awaitOps(List.of("start")));
        writer.send(result());
        assertEquals(List.of("start", "result"), ops());
    }

    @Test
    void progressOfAStartedJobComesAfterItsStart() throws IOException {
        writer.sendStart(start());
        writer.send(WorkerProtocol.message(WorkerProtocol.PROGRESS).put("done", 1));
        writer.send(result());
        assertEquals(List.of("start", "progress", "result"), ops());
    }

    @Test
    void sendSoonIsFlushedWithoutAnythingElseHappening() throws IOException {
        writer.sendSoon(result());
        assertEquals(List.of("result"), awaitOps(List.of("result")));
    }
}
