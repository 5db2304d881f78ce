// Terraform static checks: `fmt -check`, `validate` of every root module (the module through
// examples/complete, both environments, and examples/aws with the aws provider on this image), and
// a variable validation block refusing a bad value. The apply/plan/destroy cycle against a real
// kube-apiserver is in cluster.e2e-spec.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { log, must, requirePath, requireToolchain, scratchCopy, sh, TERRAFORM_DIR } from './support';

/** Where the image keeps the hashicorp/aws provider (see the recipe); overridable for other machines. */
const AWS_PLUGIN_DIR = process.env.BRAINMESH_TF_AWS_PLUGINS ?? '/opt/tf-plugins';

describe('Terraform: format, validate every root module, variable validation', () => {
  const tools = requireToolchain();
  const scratch = scratchCopy('terraform');
  const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };
  const tf = (label: string, dir: string, args: string[]) =>
    must(label, 'terraform', args, { cwd: dir, env });

  afterAll(() => scratch.cleanup());

  it('terraform fmt -check finds nothing to change', async () => {
    const res = await must(
      'terraform fmt -check -recursive',
      'terraform',
      ['fmt', '-check', '-recursive', '-no-color'],
      {
        cwd: TERRAFORM_DIR,
        env,
      },
    );
    expect(res.stdout.trim()).toBe('');
  }, 60_000);

  it.each(['examples/complete', 'environments/dev', 'environments/prod'])(
    '%s initialises from the local provider mirror and validates',
    async (root) => {
      const dir = requirePath(join(scratch.terraform, root), `terraform/${root}`);
      await tf(`terraform init (${root})`, dir, [
        'init',
        '-input=false',
        '-no-color',
        `-plugin-dir=${tools.tfMirror}`,
      ]);
      const res = await tf(`terraform validate (${root})`, dir, ['validate', '-no-color']);
      expect(res.stdout).toMatch(/Success! The configuration is valid/);
    },
    300_000,
  );

  it('examples/aws validates with the aws provider of this image', async () => {
    if (!existsSync(AWS_PLUGIN_DIR))
      throw new Error(
        `no aws provider at ${AWS_PLUGIN_DIR}: set BRAINMESH_TF_AWS_PLUGINS to a plugin dir holding hashicorp/aws`,
      );
    const dir = requirePath(join(scratch.terraform, 'examples/aws'), 'terraform/examples/aws');
    await tf('terraform init (examples/aws)', dir, [
      'init',
      '-input=false',
      '-no-color',
      `-plugin-dir=${AWS_PLUGIN_DIR}`,
    ]);
    const res = await tf('terraform validate (examples/aws)', dir, ['validate', '-no-color']);
    expect(res.stdout).toMatch(/Success! The configuration is valid/);
  }, 300_000);

  it('a variable validation block refuses a bad value with its message (negative test)', async () => {
    const dir = join(scratch.terraform, 'environments/dev');
    const res = await sh(
      'terraform plan with a bad namespace',
      'terraform',
      ['plan', '-input=false', '-no-color', '-var', 'namespace=Not_A_Namespace'],
      {
        cwd: dir,
        env,
      },
    );
    log(`terraform plan (bad namespace) exited ${res.code}`);
    expect(res.code).not.toBe(0);
    expect(res.out).toMatch(/Invalid value for variable/);
    expect(res.out).toMatch(/DNS-1123/);
  }, 300_000);
});
