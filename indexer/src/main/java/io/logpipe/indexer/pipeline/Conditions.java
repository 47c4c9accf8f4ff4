package io.logpipe.indexer.pipeline;

import io.logpipe.indexer.config.Expression;
import io.logpipe.indexer.event.Event;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/** Evaluates {@code if} conditions with Logstash's semantics: missing fields are null, numbers compare by value. */
public final class Conditions {
    private Conditions() {
    }

    public static boolean test(Expression expression, Event event) {
        if (expression instanceof Expression.Bool bool) {
            boolean left = test(bool.left(), event);
            return switch (bool.operator()) {
                case AND -> left && test(bool.right(), event);
                case OR -> left || test(bool.right(), event);
                case XOR -> left ^ test(bool.right(), event);
                case NAND -> !(left && test(bool.right(), event));
            };
        }
        if (expression instanceof Expression.Not not) {
            return !test(not.operand(), event);
        }
        if (expression instanceof Expression.Compare compare) {
            return compare(compare.operator(), resolve(compare.left(), event), resolve(compare.right(), event));
        }
        if (expression instanceof Expression.Match match) {
            Object value = resolve(match.left(), event);
            boolean matches = value instanceof String s && match.pattern().matcher(s).find();
            return match.negated() != matches;
        }
        if (expression instanceof Expression.In in) {
            return in.negated() != contains(resolve(in.right(), event), resolve(in.left(), event));
        }
        if (expression instanceof Expression.Truthy truthy) {
            Object value = resolve(truthy.value(), event);
            return value != null && !Boolean.FALSE.equals(value);
        }
        throw new IllegalStateException("unknown expression " + expression);
    }

    private static Object resolve(Expression.Value value, Event event) {
        if (value instanceof Expression.Field field) {
            return event.get(field.reference());
        }
        if (value instanceof Expression.Literal literal) {
            return literal.value();
        }
        if (value instanceof Expression.ListLiteral list) {
            return list.values();
        }
        if (value instanceof Expression.Regexp regexp) {
            return regexp.pattern();
        }
        throw new IllegalStateException("unknown value " + value);
    }

    private static boolean compare(Expression.CompareOperator operator, Object left, Object right) {
        switch (operator) {
            case EQ:
                return looselyEqual(left, right);
            case NE:
                return !looselyEqual(left, right);
            default:
                break;
        }
        int order;
        if (left instanceof Number l && right instanceof Number r) {
            order = Double.compare(l.doubleValue(), r.doubleValue());
        } else if (left instanceof String l && right instanceof String r) {
            order = l.compareTo(r);
        } else {
            return false;
        }
        return switch (operator) {
            case LT -> order < 0;
            case GT -> order > 0;
            case LE -> order <= 0;
            case GE -> order >= 0;
            default -> false;
        };
    }

    static boolean looselyEqual(Object left, Object right) {
        if (left instanceof Number l && right instanceof Number r) {
            return l.doubleValue() == r.doubleValue();
        }
        if (left instanceof List<?> l && right instanceof List<?> r) {
            if (l.size() != r.size()) {
                return false;
            }
            for (int i = 0; i < l.size(); i++) {
                if (!looselyEqual(l.get(i), r.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(left, right);
    }

    private static boolean contains(Object container, Object item) {
        if (container instanceof List<?> list) {
            for (Object element : list) {
                if (looselyEqual(element, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container instanceof String s) {
            return item instanceof String i && s.contains(i);
        }
        if (container instanceof Map<?, ?> map) {
            return map.containsKey(item);
        }
        if (container instanceof Pattern) {
            return false;
        }
        return false;
    }
}
