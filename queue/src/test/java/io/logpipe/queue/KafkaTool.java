package io.logpipe.queue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.utils.Exit;

/**
 * Runs one of Apache Kafka's command line tools (org.apache.kafka:kafka-tools 4.2) in this JVM through its main
 * class, as {@code bin/kafka-*.sh} would: {@code --bootstrap-server} first, {@code stdin} as standard input, standard
 * output and error captured. The tools end with {@code Exit.exit}, which is recorded instead of ending the JVM, and
 * the shutdown hooks they register are dropped (each run closes its own clients).
 */
public final class KafkaTool {
    /** What a run left: the first exit code the tool asked for (0 when it returned), stdout and stderr. */
    public record Result(int exitCode, String out, String err) {
        public List<String> outLines() {
            return out.lines().toList();
        }

        /** stdout then stderr, as a terminal would show them. */
        public String printed() {
            return out + err;
        }
    }

    public interface Main {
        void run(String[] args) throws Exception;
    }

    private KafkaTool() {
    }

    public static Result run(String tool, Main main, TestBroker broker, String stdin, String... args) {
        return run(tool, main, broker.bootstrap(), stdin, args);
    }

    /** The same against any broker's {@code bootstrap} address (a child broker, Apache Kafka). */
    public static synchronized Result run(String tool, Main main, String bootstrap, String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", bootstrap));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream stdinBefore = System.in;
        PrintStream stdoutBefore = System.out;
        PrintStream stderrBefore = System.err;
        Integer[] exit = {null};
        Exit.Procedure record = (code, message) -> {
            if (exit[0] == null) {
                exit[0] = code;
            }
        };
        Exit.setExitProcedure(record);
        Exit.setHaltProcedure(record);
        Exit.setShutdownHookAdder((name, hook) -> { });
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            main.run(all.toArray(String[]::new));
        } catch (Exception e) {
            throw new AssertionError(tool + " threw", e);
        } finally {
            System.setIn(stdinBefore);
            System.setOut(stdoutBefore);
            System.setErr(stderrBefore);
            Exit.resetExitProcedure();
            Exit.resetHaltProcedure();
            Exit.resetShutdownHookAdder();
        }
        Result result = new Result(exit[0] == null ? 0 : exit[0], out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
        System.out.println("$ " + tool + " " + String.join(" ", args) + "  (exit " + result.exitCode() + ")\n"
                + result.out() + result.err());
        return result;
    }
}
