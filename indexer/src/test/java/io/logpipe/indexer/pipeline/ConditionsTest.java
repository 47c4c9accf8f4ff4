package io.logpipe.indexer.pipeline;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.logpipe.indexer.config.ConfigParser;
import io.logpipe.indexer.config.Conditional;
import io.logpipe.indexer.event.Event;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

    private static boolean holds(String condition, Event event) {
        Conditional conditional = (Conditional) ConfigParser.parse("t", "filter { if " + condition + " { } }")
                .filters().get(0);
        return Conditions.test(conditional.branches().get(0).condition(), event);
    }

    @Test
    void evaluatesLikeLogstash() {
        Event event = Event.withMessage("GET /index.html 500");
        event.set("status", 500L);
        event.set("ratio", 0.5);
        event.set("[http][method]", "GET");
        event.set("flag", false);
        event.set("tags", new java.util.ArrayList<>(List.of("nginx")));
        String[][] cases = {
            {"[status] == 500", "true"}, {"[status] == 500.0", "true"}, {"[status] != \"500\"", "true"},
            {"[status] >= 500 and [ratio] < 1", "true"}, {"[http][method] == 'GET'", "true"},
            {"[message] =~ /index/", "true"}, {"[message] !~ /index/", "false"}, {"[missing] !~ /x/", "true"},
            {"\"nginx\" in [tags]", "true"}, {"\"apache\" not in [tags]", "true"}, {"\"GET\" in [message]", "true"},
            {"[status] in [200, 500]", "true"}, {"[flag]", "false"}, {"![flag]", "true"}, {"[missing]", "false"},
            {"[http]", "true"}, {"[status] > 600 or [ratio] == 0.5", "true"}, {"[status] == 500 xor [flag]", "true"},
            {"[status] == 500 nand [http]", "false"}, {"!([status] == 500)", "false"},
            {"[http][method] < \"POST\"", "true"}, {"[missing] > 1", "false"},
        };
        // every case is checked and every failing one reported, not only the first
        assertAll(Arrays.stream(cases).map(c -> () -> assertEquals(Boolean.parseBoolean(c[1]), holds(c[0], event), c[0])));
    }
}
