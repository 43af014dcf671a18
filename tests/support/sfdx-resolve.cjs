// Resolves an SFDX project with @salesforce/source-deploy-retrieve, as `sf project deploy` would,
// and prints what it found as JSON: every component (type and full name), every file it did not
// claim, and the package.xml it derives. Its current release needs Node 22:
//   npx -p node@22 node tests/support/sfdx-resolve.cjs <project-dir>
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { ComponentSet } = require('@salesforce/source-deploy-retrieve');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

(async () => {
  const project = process.argv[2];
  const sourceDir = join(project, 'force-app');
  const set = ComponentSet.fromSource(sourceDir);
  set.apiVersion = require(join(project, 'sfdx-project.json')).sourceApiVersion;
  const components = set.getSourceComponents().toArray();
  const claimed = new Set();
  for (const component of components) {
    for (const path of [component.xml, ...component.walkContent()].filter(Boolean)) claimed.add(path);
  }
  const unclaimed = files(sourceDir)
    .filter((path) => !claimed.has(path))
    .map((path) => relative(project, path));
  process.stdout.write(
    JSON.stringify({
      components: components.map((c) => ({ type: c.type.name, fullName: c.fullName })),
      unclaimed,
      packageXml: await set.getPackageXml(),
    }),
  );
})().catch((error) => {
  process.stderr.write(`${error.name}: ${error.message}\n`);
  process.exit(1);
});
