package io.spoolerd.internal.worker;

import io.spoolerd.Task;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The tasks a worker can run: Java tasks found by ServiceLoader, and the operator's command tasks. */
final class TaskRegistry {

    private final Map<String, Task> tasks = new TreeMap<>();

    TaskRegistry(Map<String, String> commands, CommandTask.Settings settings) {
        for (Task task : ServiceLoader.load(Task.class)) {
            tasks.put(task.name(), task);
        }
        // A command given at start replaces a Java task of the same name: the operator chose it.
        commands.forEach((name, command) -> tasks.put(name, new CommandTask(name, command, settings)));
    }

    Task get(String name) {
        return tasks.get(name);
    }

    List<String> names() {
        return List.copyOf(tasks.keySet());
    }
}
