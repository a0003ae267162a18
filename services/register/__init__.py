"""The register of the people the centre serves (优抚对象台账): veterans and military and
martyr families of the county, whether or not they have a case; holiday visits go to
the households in it."""
