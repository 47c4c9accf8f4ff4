package io.logpipe.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

class YamlFileTest {
    @Test
    void aValueKeepsTheLineAndColumnItWasWrittenAt() {
        Node root = YamlFile.compose("app.yml", new StringReader("a: 1\nsection:\n  key: value\n"));
        MappingNode section = (MappingNode) ((MappingNode) root).getValue().get(1).getValueNode();
        Node value = section.getValue().get(0).getValueNode();
        assertEquals(new Location("app.yml", 3, 8), YamlFile.at("app.yml", value));
        assertEquals("app.yml:3:8", YamlFile.at("app.yml", value).toString());
    }

    @Test
    void aFileThatIsNotYamlFailsAtThePlaceTheParserStopped() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> YamlFile.compose("app.yml", new StringReader("a: 1\n b: [2\n")));
        assertTrue(e.getMessage().startsWith("app.yml:2:"), e.getMessage());
        assertTrue(e.getMessage().contains(": invalid YAML: "), e.getMessage());
    }

    @Test
    void anEmptyDocumentHasNoRoot() {
        assertNull(YamlFile.compose("empty.yml", new StringReader("")));
    }
}
