package dev.vigil.engine.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.engine.Decision;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads one policy file into a {@link PolicySet}, rejecting anything a person could have got
 * wrong (unknown or repeated fields, unknown signals, thresholds out of range, unknown decisions)
 * before a request sees it. The grammar is documented at the top of the shipped
 * {@code dev/vigil/engine/policies.yaml}. One instance reads one file; not thread-safe.
 */
final class PolicyReader {
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE) // the caller owns the stream
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final Pattern NUMERIC = Pattern.compile("[-+]?[0-9.][0-9.eE+-]*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final String NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit";
    private static final List<String> FILE_FIELDS = List.of("version", "default_policy", "policies");
    private static final List<String> POLICY_FIELDS = List.of("description", "classifier", "on_error", "default", "rules");
    private static final List<String> RULE_FIELDS = List.of("name", "when", "decision", "ground");
    /** Longest {@code ground} of a rule, in characters. */
    static final int MAX_GROUND_CHARS = 500;
    private static final List<String> COMPARISONS = Arrays.stream(Comparison.values()).map(Comparison::key).toList();
    private static final List<String> ON_ERROR = Arrays.stream(Policy.OnError.values()).map(Policy.OnError::key).toList();
    private static final List<String> DECISIONS = Arrays.stream(Decision.values()).map(Decision::name).toList();

    private final String origin;
    private final SignalCatalog catalog;
    /** Keys a mapping repeats: the tree keeps the first value, and validation reports the key. */
    private final Map<JsonNode, List<String>> duplicates = new IdentityHashMap<>();

    private PolicyReader(String origin, SignalCatalog catalog) {
        this.origin = origin;
        this.catalog = catalog;
    }

    /** Reads and checks one file from {@code in}, which it leaves open. */
    static PolicySet read(InputStream in, String origin, SignalCatalog catalog) {
        PolicyReader reader = new PolicyReader(origin, catalog);
        return reader.policySet(reader.parse(in));
    }

    // ---- YAML to a tree that remembers repeated keys -------------------------------------

    private JsonNode parse(InputStream in) {
        try (JsonParser parser = YAML.createParser(in)) {
            if (parser.nextToken() == null) {
                throw new PolicyException(origin + ": empty (expected: a mapping with version and policies)");
            }
            JsonNode root = value(parser);
            if (parser.nextToken() != null) {
                throw new PolicyException(origin + ": line " + parser.currentTokenLocation().getLineNr()
                        + ": a second YAML document (expected: one document)");
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            String where = location == null ? "" : ": line " + location.getLineNr() + ", column " + location.getColumnNr();
            throw new PolicyException(origin + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new PolicyException(origin + ": cannot read: " + e, e);
        }
    }

    private JsonNode value(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT: {
                ObjectNode mapping = NODES.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    parser.nextToken();
                    JsonNode value = value(parser);
                    if (mapping.has(key)) {
                        duplicates.computeIfAbsent(mapping, m -> new ArrayList<>()).add(key);
                    } else {
                        mapping.set(key, value);
                    }
                }
                return mapping;
            }
            case START_ARRAY: {
                ArrayNode list = NODES.arrayNode();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(parser));
                }
                return list;
            }
            case VALUE_STRING:
                return NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT:
                return NODES.numberNode(parser.getBigIntegerValue());
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE:
            case VALUE_FALSE:
                return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new PolicyException(origin + ": line " + parser.currentTokenLocation().getLineNr()
                        + ": " + token + " (expected: mappings, lists, strings, numbers, booleans)");
        }
    }

    // ---- the grammar ----------------------------------------------------------------------

    private PolicySet policySet(JsonNode root) {
        ObjectNode file = mapping(root, origin, "", "a mapping with version and policies");
        checkFields(file, origin, "", FILE_FIELDS);
        JsonNode versionNode = file.get("version");
        if (versionNode == null || !versionNode.isTextual() || versionNode.asText().isBlank()) {
            throw invalid(origin, "version", versionNode, "a string such as \"2026.11.1\"");
        }
        String version = versionNode.asText();

        JsonNode policiesNode = file.get("policies");
        if (policiesNode == null || !policiesNode.isObject() || policiesNode.isEmpty()) {
            throw invalid(origin, "policies", policiesNode, "a mapping from policy name to policy, at least one");
        }
        List<String> repeated = duplicates.get(policiesNode);
        if (repeated != null) {
            throw new PolicyException(origin + ": policies." + repeated.get(0) + ": duplicate policy name");
        }
        Map<String, Policy> policies = new LinkedHashMap<>();
        policiesNode.fields().forEachRemaining(entry ->
                policies.put(entry.getKey(), policy(entry.getKey(), entry.getValue(), version)));

        JsonNode defaultNode = file.get("default_policy");
        String defaultPolicy;
        if (defaultNode == null) {
            defaultPolicy = PolicySet.DEFAULT_POLICY;
            if (!policies.containsKey(defaultPolicy)) {
                throw new PolicyException(origin + ": default_policy: " + defaultPolicy + " (expected one of: "
                        + String.join(", ", policies.keySet()) + "; default_policy is strict unless the file sets it)");
            }
        } else if (!defaultNode.isTextual() || !policies.containsKey(defaultNode.asText())) {
            throw notOneOf(origin, "default_policy", defaultNode, List.copyOf(policies.keySet()));
        } else {
            defaultPolicy = defaultNode.asText();
        }
        return new PolicySet(origin, version, catalog, policies, defaultPolicy);
    }

    private Policy policy(String name, JsonNode node, String version) {
        if (!NAME.matcher(name).matches()) {
            throw new PolicyException(origin + ": policies: " + quoted(name) + " (expected: a policy name of " + NAME_RULE + ")");
        }
        String where = origin + ": policy " + name;
        ObjectNode policy = mapping(node, where, "", "a mapping with rules");
        checkFields(policy, where, "", POLICY_FIELDS);

        JsonNode descriptionNode = policy.get("description");
        if (descriptionNode != null && !descriptionNode.isTextual()) {
            throw invalid(where, "description", descriptionNode, "a string");
        }
        String description = descriptionNode == null ? "" : descriptionNode.asText();

        Policy.OnError onError = Policy.OnError.BLOCK;
        JsonNode classifierNode = policy.get("classifier");
        if (classifierNode != null && !classifierNode.isTextual()) {
            throw invalid(where, "classifier", classifierNode, "a model name");
        }
        String classifier = classifierNode == null ? null : classifierNode.asText();

        JsonNode onErrorNode = policy.get("on_error");
        if (onErrorNode != null) {
            onError = Arrays.stream(Policy.OnError.values())
                    .filter(action -> onErrorNode.isTextual() && action.key().equals(onErrorNode.asText()))
                    .findFirst()
                    .orElseThrow(() -> notOneOf(where, "on_error", onErrorNode, ON_ERROR));
        }

        Decision defaultDecision = policy.has("default") ? decision(policy.get("default"), where, "default") : Decision.ALLOW;

        JsonNode rulesNode = policy.get("rules");
        if (rulesNode == null || !rulesNode.isArray() || rulesNode.isEmpty()) {
            throw invalid(where, "rules", rulesNode, "a list of at least one rule");
        }
        List<PolicyRule> rules = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < rulesNode.size(); i++) {
            PolicyRule rule = rule(rulesNode.get(i), where, i);
            Integer first = seen.putIfAbsent(rule.name(), i);
            if (first != null) {
                throw new PolicyException(where + ": rule " + rule.name()
                        + ": duplicate rule name (rules[" + first + "] and rules[" + i + "])");
            }
            rules.add(rule);
        }
        return new Policy(name, version, description, classifier, onError, defaultDecision, rules);
    }

    private PolicyRule rule(JsonNode node, String policyWhere, int index) {
        String path = "rules[" + index + "]";
        ObjectNode rule = mapping(node, policyWhere, path, "a mapping with name, when and decision");
        JsonNode nameNode = rule.get("name");
        if (nameNode == null || !nameNode.isTextual() || !NAME.matcher(nameNode.asText()).matches()) {
            throw invalid(policyWhere, path + ".name", nameNode, "a rule name of " + NAME_RULE);
        }
        String name = nameNode.asText();
        if (name.equals(Evaluation.DEFAULT) || name.equals(Evaluation.ERROR)) {
            throw invalid(policyWhere, path + ".name", nameNode,
                    "a rule name other than " + Evaluation.DEFAULT + " and " + Evaluation.ERROR + ", which evaluations use");
        }
        String where = policyWhere + ": rule " + name;
        checkFields(rule, where, "", RULE_FIELDS);
        Condition when = condition(rule.get("when"), where, "when");
        Decision decision = decision(rule.get("decision"), where, "decision");
        JsonNode groundNode = rule.get("ground");
        String ground = null;
        if (groundNode != null) {
            if (!groundNode.isTextual() || groundNode.asText().isBlank() || groundNode.asText().length() > MAX_GROUND_CHARS) {
                throw invalid(where, "ground", groundNode, "the legal or terms-of-service reference statements of reasons cite, as text of 1 to "
                        + MAX_GROUND_CHARS + " characters");
            }
            ground = groundNode.asText().strip();
        }
        return new PolicyRule(name, when, decision, ground);
    }

    private Condition condition(JsonNode node, String where, String path) {
        ObjectNode condition = mapping(node, where, path, "a condition: all, any, not or a signal");
        checkDuplicates(condition, where, path);
        if (condition.size() != 1) {
            throw new PolicyException(at(where, path) + ": " + describe(condition)
                    + " (expected: exactly one of all, any, not or a signal; join conditions with all or any)");
        }
        String key = condition.fieldNames().next();
        JsonNode value = condition.get(key);
        String inner = path + "." + key;
        switch (key) {
            case "all":
            case "any": {
                if (!value.isArray() || value.isEmpty()) {
                    throw invalid(where, inner, value, "a list of at least one condition");
                }
                List<Condition> operands = new ArrayList<>();
                for (int i = 0; i < value.size(); i++) {
                    operands.add(condition(value.get(i), where, inner + "[" + i + "]"));
                }
                return key.equals("all") ? new Condition.All(operands) : new Condition.Any(operands);
            }
            case "not":
                return new Condition.Not(condition(value, where, inner));
            default: {
                SignalSpec signal = catalog.signal(key).orElseThrow(() -> new PolicyException(at(where, inner)
                        + ": unknown signal (expected: all, any, not or a signal: " + String.join(", ", catalog.names()) + ")"));
                return threshold(value, signal, where, inner);
            }
        }
    }

    private Condition.Threshold threshold(JsonNode node, SignalSpec signal, String where, String path) {
        ObjectNode test = mapping(node, where, path, "a mapping with one of " + String.join(", ", COMPARISONS));
        checkDuplicates(test, where, path);
        if (test.size() != 1) {
            throw new PolicyException(at(where, path) + ": " + describe(test) + " (expected: exactly one of "
                    + String.join(", ", COMPARISONS) + "; join comparisons with all)");
        }
        String key = test.fieldNames().next();
        Comparison comparison = Comparison.forKey(key).orElseThrow(() -> unknownField(where, path + "." + key, COMPARISONS));
        JsonNode threshold = test.get(key);
        if (!threshold.isNumber() || !signal.accepts(threshold.doubleValue())) {
            throw invalid(where, path + "." + key, threshold, signal.rangeText());
        }
        return new Condition.Threshold(signal.name(), comparison, threshold.doubleValue());
    }

    private Decision decision(JsonNode node, String where, String path) {
        if (node != null && node.isTextual() && DECISIONS.contains(node.asText())) {
            return Decision.valueOf(node.asText());
        }
        throw notOneOf(where, path, node, DECISIONS);
    }

    // ---- checks and messages --------------------------------------------------------------

    private ObjectNode mapping(JsonNode node, String where, String path, String expected) {
        if (node == null || !node.isObject()) {
            throw invalid(where, path, node, expected);
        }
        return (ObjectNode) node;
    }

    private void checkFields(ObjectNode node, String where, String path, List<String> allowed) {
        checkDuplicates(node, where, path);
        node.fieldNames().forEachRemaining(field -> {
            if (!allowed.contains(field)) {
                throw unknownField(where, join(path, field), allowed);
            }
        });
    }

    private void checkDuplicates(ObjectNode node, String where, String path) {
        List<String> repeated = duplicates.get(node);
        if (repeated != null) {
            throw new PolicyException(at(where, join(path, repeated.get(0))) + ": duplicate field");
        }
    }

    private static PolicyException unknownField(String where, String path, List<String> allowed) {
        return new PolicyException(at(where, path) + ": unknown field (expected one of: " + String.join(", ", allowed) + ")");
    }

    private static PolicyException invalid(String where, String path, JsonNode value, String expected) {
        return new PolicyException(at(where, path) + ": " + describe(value) + " (expected: " + expected + ")");
    }

    private static PolicyException notOneOf(String where, String path, JsonNode value, List<String> allowed) {
        return new PolicyException(at(where, path) + ": " + describe(value) + " (expected one of: " + String.join(", ", allowed) + ")");
    }

    private static String at(String where, String path) {
        return path.isEmpty() ? where : where + ": " + path;
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** A value as messages show it: scalars as written, containers by kind. */
    private static String describe(JsonNode value) {
        if (value == null) {
            return "missing";
        } else if (value.isObject()) {
            if (value.isEmpty()) {
                return "{}";
            }
            List<String> fields = new ArrayList<>();
            value.fieldNames().forEachRemaining(fields::add);
            return fields.size() == 1 ? "a mapping" : fields.size() + " fields " + String.join(", ", fields);
        } else if (value.isArray()) {
            return value.isEmpty() ? "[]" : "a list";
        } else if (value.isTextual()) {
            return quoted(value.asText());
        } else if (value.isFloatingPointNumber()) {
            return Numbers.plain(value.doubleValue());
        }
        return value.asText();
    }

    /** Quoted when it could be mistaken for something else: empty, spaced, or a number in quotes. */
    private static String quoted(String text) {
        boolean ambiguous = text.isEmpty() || text.chars().anyMatch(Character::isWhitespace) || NUMERIC.matcher(text).matches();
        return ambiguous ? "\"" + text + "\"" : text;
    }
}
