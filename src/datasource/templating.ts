// The variable syntaxes Grafana accepts: $name, ${name}, ${name:format}, [[name]], [[name:format]].
const VARIABLE = /\$\w+|\$\{[^}]+\}|\[\[[^\]]+\]\]/;

/** Whether text refers to a dashboard variable, so its value is only known when the query runs. */
export function isTemplated(text: string | undefined): boolean {
  return text !== undefined && VARIABLE.test(text);
}
