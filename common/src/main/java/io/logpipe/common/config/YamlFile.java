package io.logpipe.common.config;

import java.io.Reader;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A YAML configuration file read as a node tree, so every value keeps where it was written: the components report
 * a wrong value at its {@code file:line:column}. A file that is not YAML fails with a {@link ConfigException} at the
 * place the parser stopped, in one form for all of them: {@code where: invalid YAML: problem (context)}.
 */
public final class YamlFile {
    private YamlFile() {
    }

    /** The document's root node, null when the document is empty; with snakeyaml's default loader options. */
    public static Node compose(String source, Reader reader) {
        return compose(source, reader, new LoaderOptions());
    }

    public static Node compose(String source, Reader reader, LoaderOptions options) {
        try {
            return new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            String context = e.getContext() != null ? " (" + e.getContext() + ")" : "";
            throw new ConfigException(where(source, mark), "invalid YAML: " + problem + context);
        } catch (YAMLException e) {
            throw new ConfigException(source, "invalid YAML: " + e.getMessage());
        }
    }

    /** Where {@code node} starts, or null when the node carries no position. */
    public static Location at(String source, Node node) {
        return node == null || node.getStartMark() == null ? null : at(source, node.getStartMark());
    }

    public static Location at(String source, Mark mark) {
        return new Location(source, mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** {@code file:line:column}, or the source alone without a mark. */
    public static String where(String source, Mark mark) {
        return mark == null ? source : at(source, mark).toString();
    }
}
