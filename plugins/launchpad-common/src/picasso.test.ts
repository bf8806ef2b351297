import {
  buildRunTitleNames,
  parseBuildCommitMessage,
  parseBuildRunTitle,
} from './picasso';

describe('Picasso build titles and commits', () => {
  it('reads service and instance from the run-name title', () => {
    expect(parseBuildRunTitle('Build openedx image for demo-2')).toEqual({
      service: 'openedx',
      instance: 'demo-2',
    });
    expect(parseBuildRunTitle(' build MFE image for Chem-201 ')).toEqual({
      service: 'mfe',
      instance: 'chem-201',
    });
    // build.yml without a run-name: GitHub shows the workflow's name.
    expect(parseBuildRunTitle('Build instance image')).toBeUndefined();
    expect(
      parseBuildRunTitle('Build openedx image for demo and more'),
    ).toBeUndefined();
    expect(parseBuildRunTitle('Build openedx image for -x')).toBeUndefined();
  });

  it('matches whole words of a title: demo is not demo-2, the service must be named', () => {
    expect(
      buildRunTitleNames('Build openedx image for demo', 'demo', 'openedx'),
    ).toBe(true);
    expect(
      buildRunTitleNames('Build openedx image for demo-2', 'demo', 'openedx'),
    ).toBe(false);
    expect(
      buildRunTitleNames('Build mfe image for demo', 'demo', 'openedx'),
    ).toBe(false);
  });

  it("reads a build's commit message", () => {
    expect(
      parseBuildCommitMessage(
        '[Picasso] demo: openedx image docker.io/acme/openedx:teak.3-20261122-4\n\nbody',
      ),
    ).toEqual({
      instance: 'demo',
      service: 'openedx',
      image: 'docker.io/acme/openedx:teak.3-20261122-4',
    });
    expect(parseBuildCommitMessage('Update config.yml')).toBeUndefined();
  });
});
